/* sample_people.c - fictional people and the company: names drawn by surname
 * frequency, resident ID numbers (GB 11643), the unified social credit code
 * (GB 32100 with its GB 11714 organization code), phones, addresses, e-mail
 * addresses and bank cards.  Check characters follow DOMAIN.md section 6. */
#include <stdio.h>
#include <string.h>

#include "sample_people.h"

#include "custody/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- check characters ---- */

static const int ID_W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_C[] = "10X98765432";
static const char USCC_A[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int USCC_W[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

char sample_id_check(const char *first17)
{
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (first17[i] - '0') * ID_W[i];
	return ID_C[sum % 11];
}

bool sample_id_valid(const char *id)
{
	int i;

	if (strlen(id) != 18)
		return false;
	for (i = 0; i < 17; i++)
		if (id[i] < '0' || id[i] > '9')
			return false;
	return sample_id_check(id) == id[17];
}

char sample_uscc_check(const char *first17)
{
	int i, sum = 0;

	for (i = 0; i < 17; i++) {
		const char *p = first17[i] ? strchr(USCC_A, first17[i]) : NULL;

		if (!p)
			return 0;
		sum += (int)(p - USCC_A) * USCC_W[i];
	}
	return USCC_A[(31 - sum % 31) % 31];
}

bool sample_uscc_valid(const char *code)
{
	return strlen(code) == 18 && sample_uscc_check(code) == code[17];
}

char sample_luhn_digit(const char *digits)
{
	size_t i, n = strlen(digits);
	int sum = 0;

	/* The check digit will be rightmost, so the last given digit is doubled. */
	for (i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';

		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

bool sample_luhn_valid(const char *number)
{
	char body[32];
	size_t n = strlen(number);

	if (n < 2 || n >= sizeof(body))
		return false;
	memcpy(body, number, n - 1);
	body[n - 1] = 0;
	return sample_luhn_digit(body) == number[n - 1];
}

/* GB 11714 organization code check over 8 characters: digits, then A=10 ... */
static char org_check(const char *code8)
{
	static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	int i, sum = 0, c;

	for (i = 0; i < 8; i++) {
		char ch = code8[i];

		sum += (ch >= 'A' ? ch - 'A' + 10 : ch - '0') * w[i];
	}
	c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/* ---- tables ---- */

struct syllable {
	const char *han, *pinyin;
};

static const struct syllable surnames[] = {
	{"王", "wang"},	       {"李", "li"},	  {"张", "zhang"},    {"刘", "liu"},
	{"陈", "chen"},	       {"杨", "yang"},	  {"黄", "huang"},    {"赵", "zhao"},
	{"吴", "wu"},	       {"周", "zhou"},	  {"徐", "xu"},	      {"孙", "sun"},
	{"马", "ma"},	       {"朱", "zhu"},	  {"胡", "hu"},	      {"郭", "guo"},
	{"何", "he"},	       {"林", "lin"},	  {"高", "gao"},      {"罗", "luo"},
	{"郑", "zheng"},       {"梁", "liang"},	  {"谢", "xie"},      {"宋", "song"},
	{"唐", "tang"},	       {"许", "xu"},	  {"韩", "han"},      {"冯", "feng"},
	{"邓", "deng"},	       {"曹", "cao"},	  {"彭", "peng"},     {"曾", "zeng"},
	{"肖", "xiao"},	       {"田", "tian"},	  {"董", "dong"},     {"袁", "yuan"},
	{"潘", "pan"},	       {"蒋", "jiang"},	  {"蔡", "cai"},      {"余", "yu"},
	{"杜", "du"},	       {"叶", "ye"},	  {"程", "cheng"},    {"魏", "wei"},
	{"苏", "su"},	       {"吕", "lv"},	  {"丁", "ding"},     {"任", "ren"},
	{"沈", "shen"},	       {"姚", "yao"},	  {"卢", "lu"},	      {"钟", "zhong"},
	{"姜", "jiang"},       {"崔", "cui"},	  {"谭", "tan"},      {"陆", "lu"},
	{"范", "fan"},	       {"汪", "wang"},	  {"廖", "liao"},     {"石", "shi"},
	{"金", "jin"},	       {"贾", "jia"},	  {"夏", "xia"},      {"韦", "wei"},
	{"方", "fang"},	       {"白", "bai"},	  {"孟", "meng"},     {"秦", "qin"},
	{"邱", "qiu"},	       {"江", "jiang"},	  {"尹", "yin"},      {"薛", "xue"},
	{"段", "duan"},	       {"雷", "lei"},	  {"侯", "hou"},      {"龙", "long"},
	{"史", "shi"},	       {"陶", "tao"},	  {"贺", "he"},	      {"顾", "gu"},
	{"毛", "mao"},	       {"郝", "hao"},	  {"龚", "gong"},     {"邵", "shao"},
	{"万", "wan"},	       {"钱", "qian"},	  {"严", "yan"},      {"武", "wu"},
	{"戴", "dai"},	       {"孔", "kong"},	  {"欧阳", "ouyang"}, {"司马", "sima"},
	{"上官", "shangguan"}, {"诸葛", "zhuge"},
};

/* Roughly the surnames' share of the population, in tenths of a percent. */
static const unsigned surname_weights[N(surnames)] = {
	72, 72, 68, 53, 45, 31, 22, 22, 20, 19, 14, 14, 13, 12, 12, 11, 10, 10, 10, 9, 9, 8, 7, 7,
	6,  6,	6,  6,	6,  6,	5,  5,	5,  5,	5,  4,	4,  4,	4,  4,	4,  4,	4,  4, 4, 4, 4, 4,
	4,  3,	3,  3,	3,  3,	3,  3,	3,  3,	3,  3,	3,  3,	3,  3,	3,  2,	2,  2, 2, 2, 2, 2,
	2,  2,	2,  2,	2,  2,	2,  2,	2,  2,	2,  2,	2,  2,	2,  2,	2,  1,	1,  1, 1, 1,
};

static const struct syllable male_given[] = {
	{"伟", "wei"},	 {"强", "qiang"}, {"磊", "lei"},  {"军", "jun"},   {"洋", "yang"},
	{"勇", "yong"},	 {"杰", "jie"},	  {"涛", "tao"},  {"明", "ming"},  {"超", "chao"},
	{"刚", "gang"},	 {"平", "ping"},  {"辉", "hui"},  {"鹏", "peng"},  {"华", "hua"},
	{"飞", "fei"},	 {"鑫", "xin"},	  {"波", "bo"},	  {"斌", "bin"},   {"宇", "yu"},
	{"浩", "hao"},	 {"凯", "kai"},	  {"健", "jian"}, {"俊", "jun"},   {"帆", "fan"},
	{"帅", "shuai"}, {"旭", "xu"},	  {"宁", "ning"}, {"龙", "long"},  {"林", "lin"},
	{"阳", "yang"},	 {"建", "jian"},  {"国", "guo"},  {"志", "zhi"},   {"文", "wen"},
	{"东", "dong"},	 {"海", "hai"},	  {"峰", "feng"}, {"成", "cheng"}, {"晨", "chen"},
	{"博", "bo"},	 {"子", "zi"},	  {"轩", "xuan"}, {"睿", "rui"},   {"泽", "ze"},
	{"昊", "hao"},	 {"然", "ran"},	  {"天", "tian"}, {"嘉", "jia"},   {"毅", "yi"},
	{"振", "zhen"},	 {"立", "li"},	  {"新", "xin"},  {"庆", "qing"},  {"德", "de"},
	{"永", "yong"},	 {"生", "sheng"}, {"荣", "rong"}, {"良", "liang"}, {"兵", "bing"},
	{"彬", "bin"},	 {"宏", "hong"},  {"锋", "feng"}, {"松", "song"},  {"晓", "xiao"},
};

static const struct syllable female_given[] = {
	{"芳", "fang"}, {"娜", "na"},	{"敏", "min"},	{"静", "jing"}, {"丽", "li"},
	{"艳", "yan"},	{"娟", "juan"}, {"霞", "xia"},	{"秀", "xiu"},	{"玲", "ling"},
	{"婷", "ting"}, {"雪", "xue"},	{"慧", "hui"},	{"颖", "ying"}, {"琳", "lin"},
	{"倩", "qian"}, {"晶", "jing"}, {"燕", "yan"},	{"红", "hong"}, {"梅", "mei"},
	{"莉", "li"},	{"兰", "lan"},	{"萍", "ping"}, {"洁", "jie"},	{"丹", "dan"},
	{"怡", "yi"},	{"欣", "xin"},	{"佳", "jia"},	{"悦", "yue"},	{"雨", "yu"},
	{"思", "si"},	{"梦", "meng"}, {"琪", "qi"},	{"璐", "lu"},	{"瑶", "yao"},
	{"诗", "shi"},	{"涵", "han"},	{"月", "yue"},	{"露", "lu"},	{"英", "ying"},
	{"凤", "feng"}, {"桂", "gui"},	{"珍", "zhen"}, {"淑", "shu"},	{"晓", "xiao"},
	{"美", "mei"},	{"玉", "yu"},	{"婧", "jing"}, {"彤", "tong"}, {"蕾", "lei"},
	{"薇", "wei"},	{"春", "chun"}, {"秋", "qiu"},	{"云", "yun"},	{"萱", "xuan"},
};

static const sample_region regions[] = {
	{"110105", "北京市朝阳区", "北京", "010"},
	{"110108", "北京市海淀区", "北京", "010"},
	{"110101", "北京市东城区", "北京", "010"},
	{"310104", "上海市徐汇区", "上海", "021"},
	{"310115", "上海市浦东新区", "上海", "021"},
	{"310105", "上海市长宁区", "上海", "021"},
	{"440305", "广东省深圳市南山区", "深圳", "0755"},
	{"440304", "广东省深圳市福田区", "深圳", "0755"},
	{"440106", "广东省广州市天河区", "广州", "020"},
	{"330106", "浙江省杭州市西湖区", "杭州", "0571"},
	{"330102", "浙江省杭州市上城区", "杭州", "0571"},
	{"510107", "四川省成都市武侯区", "成都", "028"},
	{"320102", "江苏省南京市玄武区", "南京", "025"},
	{"320506", "江苏省苏州市吴中区", "苏州", "0512"},
	{"420106", "湖北省武汉市武昌区", "武汉", "027"},
	{"610113", "陕西省西安市雁塔区", "西安", "029"},
	{"370202", "山东省青岛市市南区", "青岛", "0532"},
	{"120101", "天津市和平区", "天津", "022"},
	{"500103", "重庆市渝中区", "重庆", "023"},
	{"350203", "福建省厦门市思明区", "厦门", "0592"},
	{"430104", "湖南省长沙市岳麓区", "长沙", "0731"},
	{"410105", "河南省郑州市金水区", "郑州", "0371"},
	{"210102", "辽宁省沈阳市和平区", "沈阳", "024"},
};

static const char *const streets[] = {
	"中山路", "人民路", "解放路", "建设路", "和平路", "新华路", "长江路", "黄河路",
	"文化路", "青年路", "胜利路", "光明路", "朝阳路", "幸福路", "学院路", "科技路",
	"滨江路", "东风路", "南京路", "北京路", "建国路", "友谊路", "花园路", "湖滨路",
};

static const char *const estates[] = {
	"阳光花园", "翠湖苑",	"锦绣华庭", "金色家园", "绿洲小区", "幸福里",
	"紫荆花园", "和平新村", "春江花月", "碧水蓝天", "世纪城",   "御景湾",
	"华府名苑", "枫林绿洲", "丽景园",   "东方名城", "香樟苑",   "滨河湾",
};

static const char *const mobile_prefixes[] = {
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145",
	"147", "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
	"170", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
	"185", "186", "187", "188", "189", "191", "193", "195", "198", "199",
};

static const struct bank {
	const char *name, *bin;
	int len;
} banks[] = {
	{"中国工商银行", "622202", 19},	    {"中国建设银行", "621700", 19},
	{"中国农业银行", "622848", 19},	    {"中国银行", "621661", 19},
	{"招商银行", "622588", 16},	    {"交通银行", "622262", 19},
	{"中国邮政储蓄银行", "621799", 19}, {"浦发银行", "622521", 16},
	{"兴业银行", "622909", 18},	    {"中信银行", "622690", 16},
	{"中国民生银行", "622622", 16},	    {"平安银行", "622155", 16},
};

static const unsigned bank_weights[N(banks)] = {20, 18, 14, 12, 10, 7, 6, 3, 3, 3, 2, 2};

static const char *const occupations[] = {
	"教师",	      "医生", "工程师", "个体经营者", "公务员",
	"销售经理",   "会计", "律师",	"自由职业",   "企业管理人员",
	"软件工程师", "护士", "司机",	"设计师",     "厨师",
};

static const char *const risks[] = {"C1 保守型", "C2 稳健型", "C3 平衡型", "C4 成长型",
				    "C5 进取型"};
static const unsigned risk_weights[N(risks)] = {15, 35, 30, 15, 5};

static const char *const trades1[] = {"恒", "瑞", "华", "信", "鼎", "盛", "博", "嘉",
				      "德", "泰", "宏", "兴", "金", "源", "昌", "隆",
				      "永", "汇", "诚", "佳", "润", "荣", "祥", "益"};
static const char *const trades2[] = {"瑞", "达", "丰", "远", "禾", "安", "通", "创",
				      "泰", "鑫", "源", "盛", "晟", "辉", "和", "成"};
static const char *const industries[] = {"贸易",     "商贸",	 "电子商务", "供应链管理",
					 "家居用品", "电器销售", "实业"};

/* ---- helpers ---- */

const char *sample_pick(sample_rng *r, const char *const *list, size_t n)
{
	return list[sample_rng_below(r, (uint32_t)n)];
}

static void put_digits(sample_rng *r, char *out, int n)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = (char)('0' + sample_rng_below(r, 10));
	out[n] = 0;
}

void sample_phone_make(sample_rng *r, char out[12])
{
	memcpy(out, SAMPLE_PICK(r, mobile_prefixes), 3);
	put_digits(r, out + 3, 8);
}

void sample_name_make(sample_rng *r, bool male, char *name, size_t namelen, char *pinyin,
		      size_t pinyinlen)
{
	const struct syllable *pool = male ? male_given : female_given;
	uint32_t npool = male ? (uint32_t)N(male_given) : (uint32_t)N(female_given);
	const struct syllable *s = &surnames[sample_rng_weighted(r, surname_weights, N(surnames))];
	const struct syllable *g1 = &pool[sample_rng_below(r, npool)];
	const struct syllable *g2 = &pool[sample_rng_below(r, npool)];

	/* About a third of given names have one character. */
	if (sample_rng_chance(r, 30)) {
		snprintf(name, namelen, "%s%s", s->han, g1->han);
		snprintf(pinyin, pinyinlen, "%s %s", s->pinyin, g1->pinyin);
	} else {
		snprintf(name, namelen, "%s%s%s", s->han, g1->han, g2->han);
		snprintf(pinyin, pinyinlen, "%s %s %s", s->pinyin, g1->pinyin, g2->pinyin);
	}
}

static void make_id(sample_person *p, sample_rng *r)
{
	const sample_region *rg = sample_rng_chance(r, 75)
					  ? p->region
					  : &regions[sample_rng_below(r, N(regions))];
	int seq = 2 * sample_rng_range(r, 0, 499) + (p->male ? 1 : 0);

	if (seq == 0)
		seq = 2;
	snprintf(p->id, sizeof(p->id), "%s%04d%02d%02d%03d", rg->code, p->birth.y, p->birth.m,
		 p->birth.d, seq);
	p->id[17] = sample_id_check(p->id);
	p->id[18] = 0;
}

static void make_email(sample_person *p, sample_rng *r)
{
	static const char *const free_mail[] = {"163.com", "126.com", "sina.com", "sohu.com"};
	static const char *const intl_mail[] = {"foxmail.com", "outlook.com", "gmail.com",
						"hotmail.com"};
	char full[48], surname[48], initials[8];
	size_t i, f = 0, ni = 0;
	const char *given;

	snprintf(surname, sizeof(surname), "%s", p->pinyin);
	surname[strcspn(surname, " ")] = 0;
	given = p->pinyin + strlen(surname) + 1;
	for (i = 0; p->pinyin[i] && f + 1 < sizeof(full); i++) {
		if (p->pinyin[i] == ' ')
			continue;
		full[f++] = p->pinyin[i];
		if ((i == 0 || p->pinyin[i - 1] == ' ') && ni + 1 < sizeof(initials))
			initials[ni++] = p->pinyin[i];
	}
	full[f] = 0;
	initials[ni] = 0;
	switch (sample_rng_below(r, 6)) {
	case 0:
	case 1:
		snprintf(p->email, sizeof(p->email), "%.30s%02d@%s", full, p->birth.y % 100,
			 SAMPLE_PICK(r, free_mail));
		break;
	case 2: {
		char qq[12];
		int len = sample_rng_range(r, 6, 10);

		put_digits(r, qq, len);
		qq[0] = (char)('1' + sample_rng_below(r, 9));
		snprintf(p->email, sizeof(p->email), "%s@qq.com", qq);
		break;
	}
	case 3: {
		char given_nospace[24];
		size_t j, k = 0;

		for (j = 0; given[j] && k + 1 < sizeof(given_nospace); j++)
			if (given[j] != ' ')
				given_nospace[k++] = given[j];
		given_nospace[k] = 0;
		snprintf(p->email, sizeof(p->email), "%.20s.%.20s@%s", given_nospace, surname,
			 SAMPLE_PICK(r, intl_mail));
		break;
	}
	case 4:
		snprintf(p->email, sizeof(p->email), "%s@139.com", p->phone);
		break;
	default:
		snprintf(p->email, sizeof(p->email), "%s%04d@%s", initials,
			 sample_rng_range(r, 1, 9999), SAMPLE_PICK(r, free_mail));
		break;
	}
}

static void make_address(char *out, size_t n, const sample_region *rg, sample_rng *r)
{
	snprintf(out, n, "%s%s%d号%s%d栋%d单元%d%02d室", rg->place, SAMPLE_PICK(r, streets),
		 sample_rng_range(r, 1, 999), SAMPLE_PICK(r, estates), sample_rng_range(r, 1, 28),
		 sample_rng_range(r, 1, 4), sample_rng_range(r, 1, 33), sample_rng_range(r, 1, 4));
}

static void make_card(sample_person *p, sample_rng *r)
{
	const struct bank *b = &banks[sample_rng_weighted(r, bank_weights, N(banks))];
	size_t n = (size_t)b->len - 1;

	p->bank = b->name;
	memcpy(p->card, b->bin, 6);
	put_digits(r, p->card + 6, (int)n - 6);
	p->card[n] = sample_luhn_digit(p->card);
	p->card[n + 1] = 0;
}

void sample_person_new_id(sample_person *p, sample_rng *r)
{
	make_id(p, r);
}

void sample_person_set_birth(sample_person *p, sample_rng *r, sample_date birth)
{
	p->birth = birth;
	make_id(p, r);
}

int sample_age_on(sample_date birth, sample_date on)
{
	int age = on.y - birth.y;

	if (on.m < birth.m || (on.m == birth.m && on.d < birth.d))
		age--;
	return age;
}

static int age_on(sample_date birth, sample_date on)
{
	int age = on.y - birth.y;

	if (on.m < birth.m || (on.m == birth.m && on.d < birth.d))
		age--;
	return age;
}

void sample_person_make(sample_person *p, sample_rng *r, int no, sample_date since_from,
			sample_date since_to)
{
	static const char *const male_relations[] = {"配偶", "父亲", "儿子",
						     "兄弟", "朋友", "同事"};
	static const char *const female_relations[] = {"配偶", "母亲", "女儿",
						       "姐妹", "朋友", "同事"};
	bool minor = sample_rng_chance(r, 6);
	int age;

	memset(p, 0, sizeof(*p));
	p->no = no;
	snprintf(p->code, sizeof(p->code), "KH%06d", no);
	p->male = sample_rng_chance(r, 50);
	sample_name_make(r, p->male, p->name, sizeof(p->name), p->pinyin, sizeof(p->pinyin));
	if (minor) {
		p->birth = sample_date_between(r, (sample_date){2008, 1, 1},
					       (sample_date){2012, 12, 31});
	} else {
		/* Triangular over 1950..2005: most customers are middle-aged. */
		int y = 1950 + (int)(sample_rng_below(r, 56) + sample_rng_below(r, 56)) / 2;

		p->birth = sample_date_between(r, (sample_date){y, 1, 1}, (sample_date){y, 12, 31});
	}
	p->region = &regions[sample_rng_below(r, N(regions))];
	make_id(p, r);
	sample_phone_make(r, p->phone);
	make_email(p, r);
	make_address(p->address, sizeof(p->address), p->region, r);
	make_card(p, r);
	p->since = sample_date_between(r, since_from, since_to);
	age = age_on(p->birth, p->since);
	if (age < 18)
		p->occupation = "学生";
	else if (age >= 60 && sample_rng_chance(r, 70))
		p->occupation = "退休";
	else
		p->occupation = SAMPLE_PICK(r, occupations);
	p->risk = risks[sample_rng_weighted(r, risk_weights, N(risks))];
	if (age < 18 || sample_rng_chance(r, 50)) {
		bool male = sample_rng_chance(r, 50);
		char py[48];

		sample_name_make(r, male, p->contact_name, sizeof(p->contact_name), py, sizeof(py));
		if (age < 18)
			p->contact_relation = male ? "父亲（监护人）" : "母亲（监护人）";
		else
			p->contact_relation = male ? SAMPLE_PICK(r, male_relations)
						   : SAMPLE_PICK(r, female_relations);
		/* Grown-up children only for customers old enough to have them. */
		if (age < 45 &&
		    (!strcmp(p->contact_relation, "儿子") || !strcmp(p->contact_relation, "女儿")))
			p->contact_relation = "配偶";
		sample_phone_make(r, p->contact_phone);
	}
}

void sample_company_make(sample_company *c, sample_rng *r, int first_year)
{
	char org[10], body[32], py[48];
	int i;

	memset(c, 0, sizeof(*c));
	c->region = &regions[sample_rng_below(r, N(regions))];
	do {
		snprintf(c->trade, sizeof(c->trade), "%s%s", SAMPLE_PICK(r, trades1),
			 SAMPLE_PICK(r, trades2));
	} while (memcmp(c->trade, c->trade + 3, 3) == 0);
	c->industry = SAMPLE_PICK(r, industries);
	snprintf(c->name, sizeof(c->name), "%s%s%s有限公司", c->region->city, c->trade,
		 c->industry);

	/* Codes issued since 2015 have an organization code beginning "MA". */
	if (sample_rng_chance(r, 50)) {
		put_digits(r, org, 8);
		org[0] = (char)('1' + sample_rng_below(r, 9));
	} else {
		org[0] = 'M';
		org[1] = 'A';
		for (i = 2; i < 8; i++)
			org[i] = USCC_A[sample_rng_below(r, 31)];
	}
	org[8] = org_check(org);
	org[9] = 0;
	snprintf(body, sizeof(body), "91%s%s", c->region->code, org);
	memcpy(c->uscc, body, 17);
	c->uscc[17] = sample_uscc_check(body);
	c->uscc[18] = 0;

	snprintf(c->address, sizeof(c->address), "%s%s%d号%s大厦%d层%02d室", c->region->place,
		 SAMPLE_PICK(r, streets), sample_rng_range(r, 1, 999), c->trade,
		 sample_rng_range(r, 2, 30), sample_rng_range(r, 1, 20));
	snprintf(c->phone, sizeof(c->phone), "%s-%d%07d", c->region->area_code,
		 sample_rng_range(r, 5, 8), (int)sample_rng_below(r, 10000000));
	sample_name_make(r, sample_rng_chance(r, 70), c->legal_rep, sizeof(c->legal_rep), py,
			 sizeof(py));
	c->bank = banks[sample_rng_below(r, N(banks))].name;
	put_digits(r, c->account, 19);
	c->account[0] = (char)('1' + sample_rng_below(r, 9));
	c->founded = sample_date_between(r, (sample_date){first_year - 12, 1, 1},
					 (sample_date){first_year - 3, 12, 31});
	for (i = 0; i < 6; i++)
		sample_name_make(r, sample_rng_chance(r, 50), c->staff[i], sizeof(c->staff[i]), py,
				 sizeof(py));
}
