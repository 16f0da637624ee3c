// The words of the interface in Vietnamese and Khmer. The interface follows
// the member's language (from their account, switchable); the language of
// a document is switched separately on its page. The Khmer wording is a
// first draft awaiting review by a native speaker, like the sample
// content's Khmer texts.

const words = {
  vi: {
    app: 'Sổ tay đảng viên',
    login: 'Đăng nhập', logout: 'Đăng xuất',
    loginField: 'Số thẻ đảng viên hoặc số điện thoại', password: 'Mật khẩu',
    documents: 'Tài liệu', sessions: 'Lịch học tập', quizzes: 'Thi tìm hiểu',
    back: 'Quay lại', corePoints: 'Các điểm cốt lõi', read: 'Đã đọc',
    markRead: 'Đánh dấu đã đọc', details: 'Chi tiết',
    notes: 'Ghi chú', addNote: 'Thêm ghi chú', noteText: 'Nội dung ghi chú',
    shareCell: 'Chia sẻ với chi bộ', private: 'Riêng tư', save: 'Lưu',
    essay: 'Bài thu hoạch', essayContent: 'Nội dung nhận thức',
    essayDuties: 'Liên hệ nhiệm vụ bản thân', essayPlan: 'Kế hoạch hành động',
    saveDraft: 'Lưu bản nháp', submit: 'Nộp', state: 'Trạng thái',
    offline: 'Đang ngoại tuyến: các mục đã đọc được lưu và sẽ gửi khi có mạng.',
    queued: 'chờ gửi', sent: 'Đã gửi', none: 'Chưa có.',
    fallback: 'Chưa có bản tiếng Khmer, hiển thị tiếng Việt.',
    translationPending: 'Bản dịch chưa được duyệt',
    start: 'Bắt đầu', score: 'Điểm', right: 'Đúng', wrong: 'Sai',
    attempts: 'Lượt thi', upcoming: 'Sắp tới', where: 'Điểm cầu', online: 'Trực tuyến',
    inPerson: 'Trực tiếp', both: 'Trực tiếp và trực tuyến', progressOf: 'Đã đọc {a}/{b} điểm',
    loading: 'Đang tải…', errorOffline: 'Không có mạng.',
  },
  km: {
    app: 'សៀវភៅដៃសមាជិកបក្ស',
    login: 'ចូល', logout: 'ចាកចេញ',
    loginField: 'លេខកាតសមាជិកបក្ស ឬលេខទូរស័ព្ទ', password: 'ពាក្យសម្ងាត់',
    documents: 'ឯកសារ', sessions: 'កាលវិភាគសិក្សា', quizzes: 'ការប្រឡងស្វែងយល់',
    back: 'ត្រឡប់ក្រោយ', corePoints: 'ចំណុចស្នូល', read: 'បានអាន',
    markRead: 'សម្គាល់ថាបានអាន', details: 'ព័ត៌មានលម្អិត',
    notes: 'កំណត់ចំណាំ', addNote: 'បន្ថែមកំណត់ចំណាំ', noteText: 'ខ្លឹមសារកំណត់ចំណាំ',
    shareCell: 'ចែករំលែកជាមួយសាខាបក្ស', private: 'ឯកជន', save: 'រក្សាទុក',
    essay: 'អត្ថបទសរុបការសិក្សា', essayContent: 'ការយល់ដឹង',
    essayDuties: 'ភ្ជាប់ទៅនឹងភារកិច្ចផ្ទាល់ខ្លួន', essayPlan: 'ផែនការសកម្មភាព',
    saveDraft: 'រក្សាទុកសេចក្តីព្រាង', submit: 'ដាក់ស្នើ', state: 'ស្ថានភាព',
    offline: 'គ្មានបណ្តាញ៖ ចំណុចដែលបានអានត្រូវបានរក្សាទុក ហើយនឹងផ្ញើនៅពេលមានបណ្តាញ។',
    queued: 'កំពុងរង់ចាំផ្ញើ', sent: 'បានផ្ញើ', none: 'មិនទាន់មាន។',
    fallback: 'មិនទាន់មានភាសាខ្មែរ បង្ហាញជាភាសាវៀតណាម។',
    translationPending: 'ការបកប្រែមិនទាន់ត្រួតពិនិត្យ',
    start: 'ចាប់ផ្តើម', score: 'ពិន្ទុ', right: 'ត្រូវ', wrong: 'ខុស',
    attempts: 'ការប្រឡង', upcoming: 'ខាងមុខ', where: 'ចំណុចភ្ជាប់', online: 'តាមអនឡាញ',
    inPerson: 'ផ្ទាល់', both: 'ផ្ទាល់ និងអនឡាញ', progressOf: 'បានអាន {a}/{b} ចំណុច',
    loading: 'កំពុងផ្ទុក…', errorOffline: 'គ្មានបណ្តាញ។',
  },
};

let current = 'vi';

export function setUiLang(lang) {
  current = words[lang] ? lang : 'vi';
  document.documentElement.lang = current;
}
export function uiLang() { return current; }
export function t(key, vars) {
  let s = (words[current] && words[current][key]) || words.vi[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace('{' + k + '}', v);
  return s;
}
