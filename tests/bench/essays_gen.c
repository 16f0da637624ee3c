/*
 * Generates the essays of tests/bench/essays_copy.sh: Vietnamese-like
 * essays of a few hundred words, fingerprinted with the module's own
 * kore-app/shingles.c (so stored and new fingerprints agree), written as
 * tab-separated files for COPY, and the bodies of the timed submissions
 * as files for curl.
 *
 *	essays_gen DOC STORED TIMED OUTDIR SEED < members.tsv
 *
 * members.tsv holds "member_id TAB cell_id" lines: the first STORED get a
 * stored essay on document DOC, the next TIMED are the authors of the
 * timed submissions (body_N.json, in that order). The text: 4 to 6
 * paragraphs of 45 to 80 words, drawn from 400 common Vietnamese words
 * with a skew (a few words are very common, as in real text) and from 40
 * stock phrases of resolutions and essays that recur everywhere, which is
 * what makes honest essays share some 5-word sequences. 3% of the stored
 * essays copy an earlier one (paragraphs shuffled, a word changed in each);
 * half of the timed submissions copy a stored essay that way (sources
 * drawn from a reservoir sample of 4,096 stored essays), the other
 * half are new.
 *
 * Output files: essays.tsv (id, member, cell, sections as JSON),
 * paragraphs.tsv (essay, 1, para, shingles), lsh.tsv (band, essay, 1, para)
 * for COPY; body_N.json, the body of timed submission N (from 0), and
 * timed.tsv (N, member, "copy" or "new").
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handbook.h"

static const char *words[] = {
	"và", "của", "là", "các", "có", "được", "trong", "cho", "với", "những",
	"một", "để", "đã", "người", "không", "này", "về", "đến", "từ", "khi",
	"đảng", "viên", "chi", "bộ", "nghị", "quyết", "học", "tập", "thực",
	"hiện", "nhân", "dân", "ấp", "xã", "huyện", "tỉnh", "cán", "công",
	"tác", "việc", "làm", "phát", "triển", "kinh", "tế", "xây", "dựng",
	"nông", "thôn", "mới", "gia", "đình", "bà", "con", "đời", "sống",
	"nâng", "cao", "chất", "lượng", "sinh", "hoạt", "trách", "nhiệm",
	"nhiệm", "vụ", "lãnh", "đạo", "chỉ", "tổ", "chức", "cơ", "sở",
	"năng", "lực", "tư", "tưởng", "chính", "trị", "đạo", "đức", "lối",
	"gương", "mẫu", "vận", "động", "hộ", "nghèo", "vay", "vốn", "trồng",
	"lúa", "rau", "cá", "nuôi", "chuyển", "đổi", "số", "điện", "thoại",
	"tài", "liệu", "đọc", "ghi", "chép", "kế", "hoạch", "hành", "tháng",
	"năm", "quý", "tuần", "tối", "sáng", "họp", "bàn", "ý", "kiến",
	"đề", "xuất", "giải", "pháp", "khó", "khăn", "hạn", "chế", "thiếu",
	"sót", "khắc", "phục", "kiểm", "tra", "giám", "sát", "đánh", "giá",
	"kết", "quả", "báo", "cáo", "thường", "xuyên", "kịp", "thời", "cụ",
	"thể", "rõ", "ràng", "thiết", "thực", "hiệu", "quả", "sâu", "sắc",
	"nhận", "thức", "hiểu", "biết", "tinh", "thần", "quyết", "tâm",
	"đoàn", "kết", "thống", "nhất", "dân", "chủ", "kỷ", "luật", "kỷ",
	"cương", "phong", "trào", "thi", "đua", "khen", "thưởng", "hội",
	"phụ", "nữ", "nông", "dân", "cựu", "chiến", "binh", "thanh", "niên",
	"trường", "học", "trạm", "y", "tế", "đường", "giao", "thông", "cầu",
	"kênh", "mương", "thủy", "lợi", "mùa", "vụ", "giống", "phân", "bón",
	"thị", "trường", "giá", "cả", "thu", "nhập", "bình", "quân", "đầu",
	"an", "ninh", "trật", "tự", "quốc", "phòng", "biên", "giới", "đồng",
	"bào", "khmer", "chùa", "sư", "sãi", "lễ", "hội", "văn", "hóa",
	"truyền", "thống", "môi", "trường", "rác", "thải", "nước", "sạch",
	"bảo", "vệ", "rừng", "đất", "đai", "hồ", "sơ", "thủ", "tục",
	"một", "cửa", "trực", "tuyến", "mạng", "xã", "hội", "thông", "tin",
	"sai", "trái", "luận", "điệu", "thù", "địch", "phản", "bác",
	"nền", "tảng", "vững", "chắc", "niềm", "tin", "nhân", "dân",
	"tôi", "chúng", "mình", "bản", "thân", "ai", "mỗi", "từng", "mọi",
	"rất", "hơn", "nhất", "nhiều", "ít", "cần", "phải", "nên", "sẽ",
	"đang", "vẫn", "còn", "chưa", "đều", "cũng", "lại", "ra", "vào",
	"lên", "xuống", "trước", "sau", "trên", "dưới", "giữa", "ngoài",
	"theo", "như", "nhưng", "vì", "nếu", "thì", "mà", "nơi", "lúc",
	"giúp", "đỡ", "chăm", "lo", "quan", "tâm", "gắn", "bó", "gần", "gũi",
	"lắng", "nghe", "trao", "giải", "quyết", "kiến", "nghị", "phản",
	"ánh", "bức", "xúc", "chính", "đáng", "hợp", "pháp", "minh", "bạch",
};

static const char *phrases[] = {
	"Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng",
	"nâng cao năng lực lãnh đạo và sức chiến đấu của tổ chức cơ sở đảng",
	"nói đi đôi với làm",
	"xây dựng chỉnh đốn Đảng và hệ thống chính trị trong sạch vững mạnh",
	"học tập và làm theo tư tưởng đạo đức phong cách Hồ Chí Minh",
	"phát huy vai trò tiên phong gương mẫu của cán bộ đảng viên",
	"đưa nghị quyết vào cuộc sống",
	"bảo vệ nền tảng tư tưởng của Đảng",
	"đấu tranh phản bác các quan điểm sai trái thù địch",
	"ngăn chặn đẩy lùi sự suy thoái về tư tưởng chính trị đạo đức lối sống",
	"tự diễn biến tự chuyển hóa trong nội bộ",
	"xây dựng nông thôn mới nâng cao và kiểu mẫu",
	"chuyển đổi cơ cấu cây trồng vật nuôi",
	"giữ vững an ninh chính trị trật tự an toàn xã hội",
	"củng cố khối đại đoàn kết toàn dân tộc",
	"dân biết dân bàn dân làm dân kiểm tra dân giám sát dân thụ hưởng",
	"nâng cao chất lượng sinh hoạt chi bộ",
	"gắn với chức trách nhiệm vụ được giao",
	"xây dựng kế hoạch hành động cụ thể",
	"thường xuyên kiểm tra giám sát việc thực hiện",
	"đời sống vật chất và tinh thần của nhân dân",
	"đẩy mạnh chuyển đổi số trong công tác xây dựng Đảng",
	"phát triển kinh tế xã hội của địa phương",
	"giảm nghèo bền vững",
	"quan tâm chăm lo đời sống đồng bào dân tộc thiểu số",
	"tăng cường mối quan hệ mật thiết giữa Đảng và nhân dân",
	"thực hiện tốt quy chế dân chủ ở cơ sở",
	"nâng cao tinh thần trách nhiệm",
	"đổi mới nội dung phương thức lãnh đạo của Đảng",
	"phát huy sức mạnh của cả hệ thống chính trị",
	"tạo sự thống nhất cao trong nhận thức và hành động",
	"mỗi cán bộ đảng viên phải",
	"trong thời gian tới bản thân tôi sẽ",
	"qua nghiên cứu học tập quán triệt nghị quyết",
	"tôi nhận thức sâu sắc rằng",
	"liên hệ với thực tiễn địa phương",
	"khắc phục những hạn chế khuyết điểm",
	"hoàn thành tốt nhiệm vụ được giao",
	"góp phần xây dựng quê hương ngày càng giàu đẹp văn minh",
	"ý thức tổ chức kỷ luật",
};

#define NWORDS		(sizeof(words) / sizeof(words[0]))
#define NPHRASES	(sizeof(phrases) / sizeof(phrases[0]))
#define PARAS_MAX	6
#define PARA_MAX	1024
#define POOL		4096	/* stored essays kept as sources of copies */

struct essay {
	int	 n;
	char	 para[PARAS_MAX][PARA_MAX];
};

static u_int64_t	rng_state;

static u_int64_t
rnd(void)
{
	/* xorshift64*: fast and good enough for text. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dULL);
}

static size_t
pick(size_t n)
{
	return ((size_t)(rnd() % n));
}

/* A word, skewed toward the start of the list (u squared). */
static const char *
word(void)
{
	double	u = (double)(rnd() >> 11) / (double)(1ULL << 53);

	return (words[(size_t)(u * u * NWORDS)]);
}

static void
append(char *p, const char *s)
{
	size_t	len = strlen(p);

	if (len + strlen(s) + 2 >= PARA_MAX)
		return;
	if (len > 0)
		p[len++] = ' ';
	strcpy(p + len, s);
}

static void
paragraph(char *p)
{
	int	want, n;

	p[0] = '\0';
	want = 45 + (int)pick(36);
	for (n = 0; n < want; ) {
		if (pick(100) < 4) {
			append(p, phrases[pick(NPHRASES)]);
			n += 8;
		} else {
			append(p, word());
			n++;
		}
		if (pick(100) < 8)
			append(p, ",");
	}
	append(p, ".");
	/* The comma and full stop join the word before them. */
	{
		char	*s;

		while ((s = strstr(p, " ,")) != NULL)
			memmove(s, s + 1, strlen(s));
		while ((s = strstr(p, " .")) != NULL)
			memmove(s, s + 1, strlen(s));
	}
}

static void
essay_new(struct essay *e)
{
	int	i;

	e->n = 4 + (int)pick(3);
	for (i = 0; i < e->n; i++)
		paragraph(e->para[i]);
}

/* A copy: paragraphs shuffled, one word replaced in each. */
static void
essay_copy(struct essay *dst, const struct essay *src)
{
	int	i, j;
	char	*sp;

	*dst = *src;
	for (i = dst->n - 1; i > 0; i--) {
		j = (int)pick((size_t)i + 1);
		if (i != j) {
			char	tmp[PARA_MAX];

			memcpy(tmp, dst->para[i], PARA_MAX);
			memcpy(dst->para[i], dst->para[j], PARA_MAX);
			memcpy(dst->para[j], tmp, PARA_MAX);
		}
	}
	for (i = 0; i < dst->n; i++) {
		/* Replace the word after the tenth space with "hết sức". */
		for (sp = dst->para[i], j = 0; sp != NULL && j < 10; j++)
			sp = strchr(sp + 1, ' ');
		if (sp != NULL) {
			char	*end = strchr(sp + 1, ' ');
			char	 rest[PARA_MAX];

			if (end != NULL) {
				(void)snprintf(rest, sizeof(rest), " hết sức%s",
				    end);
				(void)snprintf(sp, PARA_MAX - (size_t)(sp -
				    dst->para[i]), "%s", rest);
			}
		}
	}
}

/* COPY's text format: a backslash is written twice. */
static void
copy_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static char *
content_of(const struct essay *e)
{
	static char	buf[PARAS_MAX * PARA_MAX];
	int		i;

	buf[0] = '\0';
	for (i = 0; i < e->n; i++) {
		if (i > 0)
			strcat(buf, "\n");
		strcat(buf, e->para[i]);
	}
	return (buf);
}

int
main(int argc, char **argv)
{
	FILE		*fe, *fp, *fl, *fb;
	struct essay	*pool, e;
	long long	 doc, member, cell;
	long		 nstored, ntimed, i, k;
	u_int64_t	 study, *h, bands[LSH_BANDS];
	size_t		 n, b;
	json_t		*secs;
	char		*js, path[1024], line[256];
	int		 p;

	if (argc != 6) {
		fprintf(stderr, "usage: essays_gen DOC STORED TIMED OUTDIR "
		    "SEED < members.tsv\n");
		return (2);
	}
	doc = atoll(argv[1]);
	nstored = atol(argv[2]);
	ntimed = atol(argv[3]);
	rng_state = (u_int64_t)atoll(argv[5]) * 0x9e3779b97f4a7c15ULL + 1;
	study = shingle_study_key(doc, 0);

#define OPEN(f, name) do {						\
	(void)snprintf(path, sizeof(path), "%s/%s", argv[4], name);	\
	if ((f = fopen(path, "w")) == NULL) { perror(path); return (1); } \
} while (0)
	OPEN(fe, "essays.tsv");
	OPEN(fp, "paragraphs.tsv");
	OPEN(fl, "lsh.tsv");
	OPEN(fb, "timed.tsv");

	if ((pool = calloc(POOL, sizeof(*pool))) == NULL)
		return (1);
	for (i = 0; i < nstored + ntimed; i++) {
		if (fgets(line, sizeof(line), stdin) == NULL ||
		    sscanf(line, "%lld\t%lld", &member, &cell) != 2) {
			fprintf(stderr, "essays_gen: %ld members, %ld wanted\n",
			    i, nstored + ntimed);
			return (1);
		}
		if (i < nstored) {
			if (i > 100 && pick(100) < 3)
				essay_copy(&e, &pool[pick(i < POOL ?
				    (size_t)i : POOL)]);
			else
				essay_new(&e);
			/* Reservoir sampling: any stored essay may be copied. */
			if (i < POOL)
				pool[i] = e;
			else if ((k = (long)pick((size_t)i + 1)) < POOL)
				pool[k] = e;
			secs = json_pack("{s:s}", "content", content_of(&e));
			js = json_dumps(secs, JSON_COMPACT);
			fprintf(fe, "%ld\t%lld\t%lld\t", i + 1, member, cell);
			copy_text(fe, js);
			fputc('\n', fe);
			free(js);
			json_decref(secs);
			for (p = 0; p < e.n; p++) {
				if (!shingle_hashes(e.para[p], &h, &n) ||
				    n == 0)
					continue;
				fprintf(fp, "%ld\t1\t%d\t{", i + 1, 100000 + p);
				for (k = 0; k < (long)n; k++)
					fprintf(fp, "%s%lld", k ? "," : "",
					    (long long)h[k]);
				fprintf(fp, "}\n");
				shingle_bands(h, n, study, bands);
				for (b = 0; b < LSH_BANDS; b++)
					fprintf(fl, "%lld\t%ld\t1\t%d\n",
					    (long long)bands[b], i + 1,
					    100000 + p);
				free(h);
			}
		} else {
			int	copy = pick(2) == 0;
			char	cid[64];

			if (copy)
				essay_copy(&e, &pool[pick(nstored < POOL ?
				    (size_t)nstored : POOL)]);
			else
				essay_new(&e);
			(void)snprintf(cid, sizeof(cid),
			    "%08llx-0000-4000-8000-%012lx",
			    (unsigned long long)atoll(argv[5]) & 0xffffffffULL,
			    i);
			secs = json_pack("{s:s,s:I,s:{s:s},s:b}", "client_id",
			    cid, "document_id", (json_int_t)doc, "sections",
			    "content", content_of(&e), "submit", 1);
			(void)snprintf(path, sizeof(path), "%s/body_%ld.json",
			    argv[4], i - nstored);
			if (json_dump_file(secs, path, JSON_COMPACT) != 0) {
				perror(path);
				return (1);
			}
			json_decref(secs);
			fprintf(fb, "%ld\t%lld\t%s\n", i - nstored, member,
			    copy ? "copy" : "new");
		}
	}
	fclose(fe);
	fclose(fp);
	fclose(fl);
	fclose(fb);
	free(pool);

	return (0);
}
