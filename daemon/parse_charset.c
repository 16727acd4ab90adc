/* parse_charset.c: see parse_charset.h. */
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>
#include "parse_charset.h"

/* A declared charset worth offering for headers: iconv knows it, and it is
 * not UTF-8 or ASCII (valid UTF-8 needs no guess, and ASCII says nothing
 * about the 8-bit bytes). */
static bool
worth_keeping(const char *cs)
{
	const char *ic = g_mime_charset_iconv_name(cs);
	GIConv cd;

	if (*cs == '\0' || g_ascii_strncasecmp(cs, "utf", 3) == 0 ||
	    g_ascii_strcasecmp(cs, "us-ascii") == 0 ||
	    g_ascii_strcasecmp(ic, "ASCII") == 0 ||
	    g_ascii_strcasecmp(ic, "UTF-8") == 0)
		return false;
	if (charset_is_iso2022jp(cs))
		return true;
	if ((cd = g_iconv_open("UTF-8", ic)) == (GIConv)-1)
		return false;
	g_iconv_close(cd);
	return true;
}

void
charset_declared_add(struct pd_declared *d, const char *ctype)
{
	GMimeContentType *ct;
	const char *cs;

	if (d->n >= PD_DECLARED_MAX || ctype == NULL)
		return;
	/* By the grammar of RFC 2045, with GMime's parser. */
	if ((ct = g_mime_content_type_parse(NULL, ctype)) == NULL)
		return;
	cs = g_mime_content_type_get_parameter(ct, "charset");
	if (cs != NULL && g_mime_content_type_is_type(ct, "text", "*") &&
	    strlen(cs) < 64 && worth_keeping(cs)) {
		for (unsigned i = 0; i < d->n; i++)
			if (g_ascii_strcasecmp(d->cs[i], cs) == 0)
				goto out;
		d->cs[d->n++] = g_strdup(cs);
	}
out:
	g_object_unref(ct);
}

void
charset_declared_free(struct pd_declared *d)
{
	for (unsigned i = 0; i < d->n; i++)
		g_free(d->cs[i]);
	d->n = 0;
}

bool
charset_iconv_knows(const char *cs)
{
	GIConv cd = g_iconv_open("UTF-8", cs);

	if (cd == (GIConv)-1)
		return false;
	g_iconv_close(cd);
	return true;
}

/* Whether UTF-8 u (w bytes) holds a C1 control (U+0080-U+009F): glibc's
 * EUC-KR, EUC-JP and others pass a stray byte 0x80-0x9F through as one
 * rather than failing, and no text has them. */
static bool
has_c1(const char *u, gsize w)
{
	for (gsize i = 0; i + 1 < w; i++)
		if ((guchar)u[i] == 0xc2 && (guchar)u[i + 1] >= 0x80 &&
		    (guchar)u[i + 1] <= 0x9f)
			return true;
	return false;
}

/* Strict conversion: NULL unless every byte is valid in cs.  NULs and C1
 * controls never come out. */
char *
charset_strict(const char *cs, const char *p, size_t n)
{
	gsize w = 0;
	char *v;

	if (n == 0)
		return g_strdup("");
	v = g_convert(p, n, "UTF-8", cs, NULL, &w, NULL);
	if (v != NULL && (memchr(v, '\0', w) != NULL ||
	    !g_utf8_validate(v, w, NULL) || has_c1(v, w))) {
		g_free(v);
		return NULL;
	}
	return v;
}

bool
charset_is_iso2022jp(const char *cs)
{
	return cs != NULL && (g_ascii_strncasecmp(cs, "iso-2022-jp", 11) == 0 ||
	    g_ascii_strncasecmp(cs, "iso2022jp", 9) == 0 ||
	    g_ascii_strcasecmp(cs, "csISO2022JP") == 0 ||
	    g_ascii_strcasecmp(cs, "cp50220") == 0 ||
	    g_ascii_strcasecmp(cs, "cp50221") == 0 ||
	    g_ascii_strcasecmp(cs, "cp50222") == 0);
}

/* The vendor supersets mail labelled with a standard CJK name really
 * uses (what Windows and the webmail of the time wrote). */
static const struct {
	const char *names[9];
	const char *superset;
} supersets[] = {
	{ { "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji",
	    "csshiftjis", "windows-31j", "cp932", NULL }, "CP932" },
	{ { "euc-jp", "eucjp", "x-euc-jp", "ujis", "cseucpkdfmtjapanese",
	    "cp51932", NULL }, "EUC-JP-MS" },
	{ { "gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "x-euc-cn",
	    "csgb2312", "gb_2312-80", NULL }, "GB18030" },
	{ { "big5", "big-5", "cn-big5", "x-x-big5", "csbig5", "cp950",
	    NULL }, "BIG5-HKSCS" },
	{ { "euc-kr", "ks_c_5601-1987", "ksc5601", "ks_c_5601", "cseuckr",
	    "korean", NULL }, "CP949" },
};

static const char *
superset_of(const char *cs)
{
	for (size_t i = 0; i < G_N_ELEMENTS(supersets); i++)
		for (const char *const *n = supersets[i].names; *n; n++)
			if (g_ascii_strcasecmp(cs, *n) == 0)
				return supersets[i].superset;
	return NULL;
}

char *
charset_decode_declared(const char *cs, const char *p, size_t n)
{
	const char *sup;
	char *v;

	if (cs == NULL || *cs == '\0')
		return NULL;
	if (charset_is_iso2022jp(cs)) {
		if ((v = charset_strict("ISO-2022-JP", p, n)) != NULL)
			return v;
		if ((v = charset_iso2022jp(p, n)) != NULL)
			return v;
		/* ISO-2022-JP is 7-bit: 8-bit bytes under that label are
		 * Shift_JIS or EUC-JP written by a careless mailer. */
		if ((v = charset_strict("CP932", p, n)) != NULL)
			return v;
		return charset_strict("EUC-JP-MS", p, n);
	}
	if ((v = charset_strict(g_mime_charset_iconv_name(cs), p, n)) != NULL)
		return v;
	if ((sup = superset_of(cs)) != NULL)
		return charset_strict(sup, p, n);
	return NULL;
}

char *
charset_decode_exact(const char *cs, const char *p, size_t n)
{
	if (cs == NULL || *cs == '\0')
		return NULL;
	char *v;

	if (charset_is_iso2022jp(cs))
		return charset_decode_declared(cs, p, n);
	/* The name as declared first: GMime's own mapping already widens
	 * some (gb2312 to GBK). */
	if ((v = charset_strict(cs, p, n)) != NULL)
		return v;
	return charset_iconv_knows(cs) ? NULL :
	    charset_strict(g_mime_charset_iconv_name(cs), p, n);
}

bool
charset_is_cjk(const char *cs)
{
	return cs != NULL && (charset_is_iso2022jp(cs) || superset_of(cs) ||
	    g_ascii_strcasecmp(cs, "gb18030") == 0 ||
	    g_ascii_strcasecmp(cs, "big5-hkscs") == 0 ||
	    g_ascii_strcasecmp(cs, "euc-jp-ms") == 0);
}

bool
charset_has_iso2022(const char *p, size_t n)
{
	for (const char *e = memchr(p, 0x1b, n); e != NULL && e + 2 < p + n;
	    e = memchr(e + 1, 0x1b, p + n - e - 1))
		if (e[1] == '$' && (e[2] == '@' || e[2] == 'B' ||
		    e[2] == '('))
			return true;
	return false;
}

/* JIS X 0208 row/cell bytes (0x21-0x7E each) to Shift_JIS (CP932 reads
 * rows 13 and 89-92 as the NEC and NEC-selected IBM extensions). */
static void
jis_to_sjis(GString *out, unsigned j1, unsigned j2)
{
	unsigned s1 = ((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0);
	unsigned s2 = j2 + ((j1 & 1) ? (j2 < 0x60 ? 0x1f : 0x20) : 0x7e);

	g_string_append_c(out, (char)s1);
	g_string_append_c(out, (char)s2);
}

enum jis_set { JIS_ASCII, JIS_KANA, JIS_0208, JIS_0212 };

/* ISO-2022-JP to CP932 bytes (euc false) or EUC-JP-MS bytes (euc true,
 * the only one of the two with JIS X 0212).  NULL on a byte with no
 * place in it. */
static GString *
iso2022_transcode(const char *p, size_t n, bool euc)
{
	GString *out = g_string_sized_new(n + 1);
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	enum jis_set set = JIS_ASCII, before_so = JIS_ASCII;

	while (s < end) {
		unsigned c = *s;

		if (c == 0x1b) {
			size_t left = end - s;

			if (left >= 3 && s[1] == '(' && (s[2] == 'B' ||
			    s[2] == 'J' || s[2] == 'H'))
				set = JIS_ASCII, s += 3;
			else if (left >= 3 && s[1] == '(' && s[2] == 'I')
				set = JIS_KANA, s += 3;
			else if (left >= 3 && s[1] == '$' && (s[2] == '@' ||
			    s[2] == 'B'))
				set = JIS_0208, s += 3;
			else if (left >= 4 && s[1] == '$' && s[2] == '(' &&
			    (s[3] == 'B' || s[3] == 'Q' || s[3] == 'O'))
				set = JIS_0208, s += 4;
			else if (left >= 4 && s[1] == '$' && s[2] == '(' &&
			    s[3] == 'D')
				set = JIS_0212, s += 4;
			else if (left >= 6 && s[1] == '&' && s[2] == '@' &&
			    s[3] == 0x1b && s[4] == '$' && s[5] == 'B')
				set = JIS_0208, s += 6;
			else
				goto bad;
			continue;
		}
		if (c >= 0x80)
			goto bad;
		if (c == 0x0e) { /* SO: JIS X 0201 katakana (CP50221) */
			before_so = set;
			set = JIS_KANA;
			s++;
			continue;
		}
		if (c == 0x0f) { /* SI */
			set = before_so;
			s++;
			continue;
		}
		if (c == '\n' || c == '\r') /* each line starts in ASCII */
			set = JIS_ASCII;
		if (set == JIS_ASCII || c < 0x21 || c == 0x7f) {
			g_string_append_c(out, (char)c);
			s++;
		} else if (set == JIS_KANA) {
			if (c > 0x5f)
				goto bad;
			if (euc)
				g_string_append_c(out, (char)0x8e);
			g_string_append_c(out, (char)(c + 0x80));
			s++;
		} else {
			if (end - s < 2 || s[1] < 0x21 || s[1] > 0x7e)
				goto bad;
			if (set == JIS_0212) {
				if (!euc)
					goto bad;
				g_string_append_c(out, (char)0x8f);
			}
			if (euc) {
				g_string_append_c(out, (char)(c | 0x80));
				g_string_append_c(out, (char)(s[1] | 0x80));
			} else
				jis_to_sjis(out, c, s[1]);
			s += 2;
		}
	}
	return out;
bad:
	g_string_free(out, TRUE);
	return NULL;
}

char *
charset_iso2022jp(const char *p, size_t n)
{
	GString *b;
	char *v = NULL;

	if ((b = iso2022_transcode(p, n, false)) != NULL) {
		v = charset_strict("CP932", b->str, b->len);
		g_string_free(b, TRUE);
	}
	if (v == NULL && (b = iso2022_transcode(p, n, true)) != NULL) {
		v = charset_strict("EUC-JP-MS", b->str, b->len);
		g_string_free(b, TRUE);
	}
	return v;
}

/* Cyrillic letters outside 0xC0-0xFF: Ё ё Ў ў Є є Ї ї І і ґ in
 * windows-1251, and Ё ё in KOI8-R.  Not the Ukrainian letters of KOI8-U
 * (0xA4-0xA7): they are the lead bytes of EUC-JP kana, and a Ukrainian
 * text holds few enough of them to stay within the tenth allowed. */
static bool
cyr_extra(unsigned char c)
{
	static const unsigned char set[] = { 0xa8, 0xb8, 0xa1, 0xa2, 0xaa,
	    0xba, 0xaf, 0xbf, 0xb2, 0xb3, 0xb4, 0xa3 };

	return memchr(set, c, sizeof set) != NULL;
}

/* windows-1251 punctuation that Russian text uses: „ … ‘ ’ “ ” • – — «
 * » № and the no-break space. */
static bool
cyr_punct(unsigned char c)
{
	static const unsigned char set[] = { 0x84, 0x85, 0x91, 0x92, 0x93,
	    0x94, 0x95, 0x96, 0x97, 0xab, 0xbb, 0xb9, 0xa0 };

	return memchr(set, c, sizeof set) != NULL;
}

bool
charset_cyrillic_shaped(const char *p, size_t n)
{
	size_t letters = 0, other = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c < 0x80 || cyr_punct(c))
			continue;
		if (c >= 0xc0 || cyr_extra(c))
			letters++;
		else
			other++;
	}
	return letters > 0 && other * 10 <= (letters + other);
}

/* The most common characters of written Chinese (simplified and
 * traditional), Japanese and Korean, and of mail subjects in them.  A
 * decoding in the wrong charset yields characters at random, few of them
 * common; the right one hits these often. */
static const char common_text[] =
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就"
    "下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都"
    "三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从关问"
    "题请帐单号码订货款票回复转谢您通知报价合客户服务支持系统测试资料附件"
    "文邮箱密登录确认收联电话址间工品格司议今明昨周月最新重紧急帮忙查改更"
    "申退售质网站信息处理结"
    "這們個來說國時對會後裡過發經當與學進種將還無問題請帳單號碼訂貨發票覆"
    "轉寄約戶務援統測試檔案郵件碼登帳確認聯絡電話間產價格議緊幫詢申請售後"
    "質網訊處結"
    "様御願致件送確込請求書担当連絡問合届済変配予約注購入商価円度見積納領"
    "収部課長者先皆敷案内返添付法容以下期限対応"
    "이다는의에을하고가한지서로기사대리자도어정수인일전시나해으보게상부들아"
    "주요적문소제장과비만스우구내성경신연무세원동국방회여위있말진조화그생감"
    "안물면실야발관거개니저러당람라것되및업학입품용결확번호드님습까께녕세감"
    "합립배송환불계밀청첨파";

static gunichar *common;
static glong n_common;

static int
cmp_unichar(const void *a, const void *b)
{
	gunichar x = *(const gunichar *)a, y = *(const gunichar *)b;

	return x < y ? -1 : x > y;
}

static void
common_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		glong n = 0;
		gunichar *u = g_utf8_to_ucs4_fast(common_text, -1, &n);

		qsort(u, n, sizeof *u, cmp_unichar);
		common = u;
		n_common = n;
		g_once_init_leave(&once, 1);
	}
}

static bool
is_common(gunichar c)
{
	return bsearch(&c, common, n_common, sizeof c, cmp_unichar) != NULL;
}

enum script { SC_JA, SC_ZH, SC_KO };

static const struct {
	const char *iconv;
	enum script script;
} candidates[] = {
	{ "CP932", SC_JA },
	{ "EUC-JP-MS", SC_JA },
	{ "GB18030", SC_ZH },
	{ "BIG5-HKSCS", SC_ZH },
	{ "EUC-KR", SC_KO },
};

/* How well u reads as text of the script: common characters count most,
 * other ideographs, kana, Hangul and CJK punctuation a little, anything
 * else (Cyrillic, Greek, box drawing, private use, rare extensions) counts
 * against.  *common_r: the common characters. */
static long
score(const char *u, enum script sc, unsigned *common_r)
{
	long s = 0;

	*common_r = 0;
	for (const char *p = u; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		bool kana = c >= 0x3041 && c <= 0x30ff;

		if (c < 0x80)
			continue;
		if ((kana && sc == SC_JA) || is_common(c)) {
			s += 4;
			(*common_r)++;
		} else if ((c >= 0x4e00 && c <= 0x9fff) || kana ||
		    (c >= 0xac00 && c <= 0xd7a3) ||
		    (c >= 0x3000 && c <= 0x303f) ||
		    (c >= 0xff01 && c <= 0xff5e) ||
		    (c >= 0x2010 && c <= 0x2027) ||
		    (c >= 0x2460 && c <= 0x24ff) ||
		    (c >= 0x2160 && c <= 0x217f))
			s += 1;
		else if (c >= 0xff61 && c <= 0xff9f)
			; /* half-width katakana: rare, but real */
		else
			s -= 8;
	}
	return s;
}

/* Whether most 8-bit sequences of p[0..n) are valid UTF-8: damaged
 * UTF-8, never a CJK charset (whose double bytes GB18030 would read as
 * Hanzi). */
static bool
mostly_utf8(const char *p, size_t n)
{
	size_t good, bad;

	charset_utf8_count(p, n, &good, &bad);
	return good > 0 && good >= 2 * bad;
}

char *
charset_guess_cjk(const char *p, size_t n, const char **cs_r)
{
	char *best = NULL;
	long best_score = 0;
	unsigned hits;

	if (mostly_utf8(p, n))
		return NULL;
	common_init();
	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		char *v = charset_strict(candidates[i].iconv, p, n);
		long s;

		if (v == NULL)
			continue;
		s = score(v, candidates[i].script, &hits);
		/* Strictly better only: earlier candidates win ties. */
		if (hits > 0 && s > best_score) {
			g_free(best);
			best = v;
			best_score = s;
			if (cs_r != NULL)
				*cs_r = candidates[i].iconv;
		} else
			g_free(v);
	}
	return best;
}

void
charset_utf8_count(const char *p, size_t n, size_t *good_r, size_t *bad_r)
{
	const char *end = p + n;
	size_t good = 0, bad = 0;
	gunichar c;

	while (p < end) {
		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			bad++;
			p++;
			continue;
		}
		good++;
		p = g_utf8_next_char(p);
	}
	*good_r = good;
	*bad_r = bad;
}
