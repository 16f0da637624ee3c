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
    attendance: 'Điểm danh', bestScore: 'Điểm cao nhất', questionsN: '{n} câu hỏi', minutesN: '{n} phút',
    attemptsLeft: 'còn {n} lượt', quizzesOnDoc: 'Thi tìm hiểu về tài liệu này', resume: 'Làm tiếp',
    deadline: 'Hạn nộp bài', submitQuiz: 'Nộp bài', scoreOf: 'Điểm: {a}/{b}', allRight: 'Đúng tất cả!',
    backToQuizzes: 'Về danh sách cuộc thi', docLang: 'Ngôn ngữ tài liệu', skip: 'Bỏ qua đến nội dung', sections: 'Mục',
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
    attendance: 'វត្តមាន', bestScore: 'ពិន្ទុខ្ពស់បំផុត', questionsN: '{n} សំណួរ', minutesN: '{n} នាទី',
    attemptsLeft: 'នៅសល់ {n} ដង', quizzesOnDoc: 'ការប្រឡងស្វែងយល់អំពីឯកសារនេះ', resume: 'បន្តធ្វើ',
    deadline: 'ផុតកំណត់', submitQuiz: 'ដាក់ស្នើចម្លើយ', scoreOf: 'ពិន្ទុ៖ {a}/{b}', allRight: 'ត្រូវទាំងអស់!',
    backToQuizzes: 'ត្រឡប់ទៅបញ្ជីការប្រឡង', docLang: 'ភាសាឯកសារ', skip: 'រំលងទៅខ្លឹមសារ', sections: 'ផ្នែក',
  },
};

// The API's machine values (states, statuses) as words, per language: the
// API keeps its values (programs switch on them), the pages show these.
// A value not listed here is shown as "?" rather than as an English word.
const states = {
  vi: {
    // essays
    'essay.none': 'Chưa viết', 'essay.draft': 'Bản nháp', 'essay.submitted': 'Đã nộp, chờ duyệt',
    'essay.returned': 'Bị trả lại, cần bổ sung', 'essay.accepted': 'Đã được duyệt',
    // study sessions (study_session_status(), sql/0020) and a member's
    // attendance state (study_session_states())
    'session.scheduled': 'Sắp diễn ra', 'session.in_progress': 'Đang diễn ra', 'session.held': 'Đã diễn ra',
    'session.cancelled': 'Đã hủy',
    'attendance.present': 'Có mặt', 'attendance.absent': 'Vắng mặt', 'attendance.made_up': 'Đã học bù',
    'attendance.unrecorded': 'Chưa điểm danh',
    // quizzes and attempts
    'quiz.open': 'Đang mở', 'quiz.upcoming': 'Chưa mở', 'quiz.closed': 'Đã đóng',
    'attempt.in_progress': 'Đang làm bài', 'attempt.submitted': 'Đã nộp bài', 'attempt.expired': 'Hết giờ',
    // documents in the editor
    'document.new': 'Mới', 'document.draft': 'Bản nháp', 'document.published': 'Đã xuất bản', 'document.withdrawn': 'Đã thu hồi',
  },
  km: {
    'essay.none': 'មិនទាន់សរសេរ', 'essay.draft': 'សេចក្តីព្រាង', 'essay.submitted': 'បានដាក់ស្នើ រង់ចាំពិនិត្យ',
    'essay.returned': 'ត្រូវបានបញ្ជូនមកវិញ ត្រូវបំពេញបន្ថែម', 'essay.accepted': 'ត្រូវបានអនុម័ត',
    'session.scheduled': 'នឹងប្រព្រឹត្តទៅ', 'session.in_progress': 'កំពុងប្រព្រឹត្តទៅ', 'session.held': 'បានប្រព្រឹត្តទៅ',
    'session.cancelled': 'បានលុបចោល',
    'attendance.present': 'មានវត្តមាន', 'attendance.absent': 'អវត្តមាន', 'attendance.made_up': 'បានសិក្សាបំពេញ',
    'attendance.unrecorded': 'មិនទាន់កត់វត្តមាន',
    'quiz.open': 'កំពុងបើក', 'quiz.upcoming': 'មិនទាន់បើក', 'quiz.closed': 'បានបិទ',
    'attempt.in_progress': 'កំពុងធ្វើ', 'attempt.submitted': 'បានដាក់ស្នើ', 'attempt.expired': 'ផុតម៉ោង',
    'document.new': 'ថ្មី', 'document.draft': 'សេចក្តីព្រាង', 'document.published': 'បានបោះពុម្ពផ្សាយ', 'document.withdrawn': 'បានដកហូត',
  },
};

// The API's error codes as sentences for people (the API's own messages
// are English and meant for developers). Unknown codes get a general
// sentence with the code, which a member can quote to whoever helps them.
const errors = {
  vi: {
    offline: 'Không có mạng. Vui lòng thử lại khi có mạng.',
    invalid_credentials: 'Sai số thẻ (số điện thoại) hoặc mật khẩu.',
    too_many_requests: 'Bạn đã thử quá nhiều lần. Vui lòng đợi ít phút rồi thử lại.',
    unauthorized: 'Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.', invalid_token: 'Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.',
    not_found: 'Không tìm thấy (hoặc bạn không có quyền xem).', forbidden: 'Bạn không có quyền thực hiện việc này.',
    not_in_audience: 'Cuộc thi này không dành cho chi bộ của bạn.',
    attempt_in_progress: 'Bạn đang có một lượt thi chưa nộp.', attempt_limit_reached: 'Bạn đã hết số lượt thi.',
    quiz_not_open: 'Cuộc thi chưa mở.', quiz_closed: 'Cuộc thi đã đóng.', attempt_expired: 'Đã hết giờ làm bài.',
    attempt_submitted: 'Bài thi này đã nộp.', document_withdrawn: 'Tài liệu đã bị thu hồi.',
    essay_under_review: 'Bài thu hoạch đang chờ duyệt, chưa sửa được.', essay_accepted: 'Bài thu hoạch đã được duyệt.',
    missing_section: 'Bài thu hoạch còn thiếu phần bắt buộc.', missing_field: 'Còn thiếu thông tin bắt buộc.',
    too_few_sections: 'Cần ít nhất 5 điểm cốt lõi để xuất bản.', invalid_sections: 'Bản tiếng Khmer phải có cùng số điểm cốt lõi với bản tiếng Việt.',
    slug_taken: 'Mã định danh này đã có tài liệu khác dùng.', invalid_slug: 'Mã định danh chỉ gồm a-z, 0-9 và dấu gạch ngang (2 đến 80 ký tự).',
    invalid_date: 'Ngày không hợp lệ.', invalid_field: 'Có trường không hợp lệ.', invalid_value: 'Có giá trị không hợp lệ.',
    version_conflict: 'Đã có người sửa trước bạn; hãy tải lại.', client_id_reused: 'Yêu cầu trùng lặp; hãy thử lại.',
    payload_too_large: 'Nội dung quá dài.', database_unavailable: 'Hệ thống đang bận, vui lòng thử lại sau.',
    try_again: 'Hệ thống đang bận, vui lòng thử lại sau.', service_unavailable: 'Hệ thống đang bận, vui lòng thử lại sau.',
    other: 'Có lỗi xảy ra ({code}). Vui lòng thử lại.',
  },
  km: {
    offline: 'គ្មានបណ្តាញ។ សូមព្យាយាមម្តងទៀតនៅពេលមានបណ្តាញ។',
    invalid_credentials: 'លេខកាត (លេខទូរស័ព្ទ) ឬពាក្យសម្ងាត់មិនត្រឹមត្រូវ។',
    too_many_requests: 'អ្នកបានព្យាយាមច្រើនដងពេក។ សូមរង់ចាំបន្តិចសិន។',
    unauthorized: 'វគ្គចូលបានផុតកំណត់។ សូមចូលម្តងទៀត។', invalid_token: 'វគ្គចូលបានផុតកំណត់។ សូមចូលម្តងទៀត។',
    not_found: 'រកមិនឃើញ (ឬអ្នកគ្មានសិទ្ធិមើល)។', forbidden: 'អ្នកគ្មានសិទ្ធិធ្វើការនេះទេ។',
    not_in_audience: 'ការប្រឡងនេះមិនមែនសម្រាប់សាខាបក្សរបស់អ្នកទេ។',
    attempt_in_progress: 'អ្នកមានការប្រឡងមួយមិនទាន់ដាក់ស្នើ។', attempt_limit_reached: 'អ្នកបានប្រឡងអស់ចំនួនដងហើយ។',
    quiz_not_open: 'ការប្រឡងមិនទាន់បើកទេ។', quiz_closed: 'ការប្រឡងបានបិទហើយ។', attempt_expired: 'ផុតម៉ោងធ្វើហើយ។',
    attempt_submitted: 'ការប្រឡងនេះបានដាក់ស្នើហើយ។', document_withdrawn: 'ឯកសារត្រូវបានដកហូត។',
    essay_under_review: 'អត្ថបទកំពុងរង់ចាំពិនិត្យ មិនអាចកែបានទេ។', essay_accepted: 'អត្ថបទត្រូវបានអនុម័តហើយ។',
    missing_section: 'អត្ថបទនៅខ្វះផ្នែកចាំបាច់។', missing_field: 'នៅខ្វះព័ត៌មានចាំបាច់។',
    version_conflict: 'មាននរណាម្នាក់កែមុនអ្នក សូមផ្ទុកឡើងវិញ។', payload_too_large: 'ខ្លឹមសារវែងពេក។',
    database_unavailable: 'ប្រព័ន្ធរវល់ សូមព្យាយាមម្តងទៀតពេលក្រោយ។', try_again: 'ប្រព័ន្ធរវល់ សូមព្យាយាមម្តងទៀតពេលក្រោយ។',
    service_unavailable: 'ប្រព័ន្ធរវល់ សូមព្យាយាមម្តងទៀតពេលក្រោយ។',
    other: 'មានបញ្ហា ({code})។ សូមព្យាយាមម្តងទៀត។',
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

// stateWord('essay', 'submitted') → "Đã nộp, chờ duyệt" in the interface's
// language (Vietnamese where the Khmer list lacks it).
export function stateWord(kind, value) {
  const k = kind + '.' + value;
  return (states[current] && states[current][k]) || states.vi[k] || '?';
}
// The sentence for an ApiError (or any error) in the interface's language.
export function errorText(e) {
  const code = (e && e.code) || 'other';
  const w = errors[current] || errors.vi;
  return w[code] || errors.vi[code] || (w.other || errors.vi.other).replace('{code}', code);
}

// The language of a text people wrote (a note, a session's title, a
// name), which the API does not say: Khmer when it has Khmer letters, else
// Vietnamese. Marked on its element so that the font, the line height and
// a screen reader's voice follow the text rather than the interface.
export function textLang(s) {
  return /[\u1780-\u17FF]/.test(s || '') ? 'km' : 'vi';
}
