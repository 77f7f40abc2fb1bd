/* sample_customers.c - the company sheet and readme at the root, and
 * customers/: one profile per customer (客户档案_<name>.txt), the customer
 * list as UTF-8 CSV with a byte-order mark (as Excel writes it) and the same
 * list in GBK, as older Chinese office software still exports it. */
#include <stdio.h>

#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

int sample_write_company(sample_world *w)
{
	const sample_company *c = w->company;
	const sample_plan *p = w->plan;
	cy_buf b = CY_BUF_INIT;
	int rc;

	sample_printf(&b, "%s\n公司基本信息\n\n", c->name);
	sample_printf(&b, "企业名称：%s\n统一社会信用代码：%s\n", c->name, c->uscc);
	sample_printf(&b, "法定代表人：%s\n注册地址：%s\n联系电话：%s\n", c->legal_rep, c->address,
		      c->phone);
	sample_puts(&b, "成立日期：");
	sample_put_date_zh(&b, c->founded);
	sample_printf(&b, "\n经营范围：%s；日用百货、家用电器销售；货物进出口。\n", c->industry);
	sample_printf(&b, "基本存款账户：%s %s\n\n", c->bank, c->account);
	sample_printf(&b, "财务负责人：%s\n会计：%s\n出纳：%s\n", c->staff[1], c->staff[0],
		      c->staff[2]);
	rc = sample_out_write(&w->out, "公司简介.txt", SAMPLE_OTHER, c->founded.y, b.ptr, b.len);
	if (rc)
		goto out;

	cy_buf_clear(&b);
	sample_puts(&b, "说明\n\n");
	sample_printf(&b,
		      "本目录由 custody-sample 生成（种子 %llu，规模 %s），"
		      "全部为虚构数据，仅供测试档案保管系统使用。\n",
		      (unsigned long long)w->seed, p->name);
	sample_puts(&b, "其中的姓名、身份证号码、手机号码、银行卡号等均为随机生成，"
			"校验位正确但不对应任何真实个人。\n\n");
	sample_printf(&b,
		      "This directory was written by custody-sample (seed %llu, size %s). "
		      "Every person, number and\ndocument in it is fictional; the identifiers "
		      "carry valid check characters only so that\nvalidators accept them.\n",
		      (unsigned long long)w->seed, p->name);
	rc = sample_out_write(&w->out, "说明.txt", SAMPLE_OTHER, p->last_year, b.ptr, b.len);
out:
	cy_buf_release(&b);
	return rc;
}

static void put_profile(cy_buf *b, const sample_person *x, const sample_company *c)
{
	sample_puts(b, "客户档案\n====================\n");
	sample_printf(b, "客户编号：%s\n", x->code);
	sample_printf(b, "姓    名：%s\n", x->name);
	sample_printf(b, "性    别：%s\n", x->male ? "男" : "女");
	sample_puts(b, "出生日期：");
	sample_put_date_zh(b, x->birth);
	sample_puts(b, "\n证件类型：居民身份证\n");
	sample_printf(b, "证件号码：%s\n", x->id);
	sample_printf(b, "手机号码：%s\n", x->phone);
	sample_printf(b, "电子邮箱：%s\n", x->email);
	sample_printf(b, "联系地址：%s\n", x->address);
	sample_printf(b, "职    业：%s\n", x->occupation);
	sample_printf(b, "开户银行：%s\n", x->bank);
	sample_printf(b, "银行卡号：%s\n", x->card);
	sample_printf(b, "风险等级：%s\n", x->risk);
	if (x->contact_name[0])
		sample_printf(b, "紧急联系人：%s（%s） %s\n", x->contact_name, x->contact_relation,
			      x->contact_phone);
	sample_puts(b, "建档日期：");
	sample_put_date_zh(b, x->since);
	sample_printf(b, "\n客户经理：%s\n", c->staff[3 + x->no % 3]);
	sample_puts(b, "--------------------\n");
	sample_printf(b, "建档单位：%s\n", c->name);
	sample_puts(b, "本档案含个人敏感信息，仅限授权人员查阅。\n");
}

static void put_row(cy_buf *b, const sample_person *x)
{
	const char *fields[17];
	char birth[16], since[16];
	size_t i;

	snprintf(birth, sizeof(birth), "%04d-%02d-%02d", x->birth.y, x->birth.m, x->birth.d);
	snprintf(since, sizeof(since), "%04d-%02d-%02d", x->since.y, x->since.m, x->since.d);
	fields[0] = x->code;
	fields[1] = x->name;
	fields[2] = x->male ? "男" : "女";
	fields[3] = birth;
	fields[4] = "居民身份证";
	fields[5] = x->id;
	fields[6] = x->phone;
	fields[7] = x->email;
	fields[8] = x->address;
	fields[9] = x->bank;
	fields[10] = x->card;
	fields[11] = x->occupation;
	fields[12] = x->risk;
	fields[13] = since;
	fields[14] = x->contact_name;
	fields[15] = x->contact_name[0] ? x->contact_relation : "";
	fields[16] = x->contact_phone;
	for (i = 0; i < 17; i++) {
		if (i)
			sample_puts(b, ",");
		sample_csv_field(b, fields[i]);
	}
	sample_puts(b, "\r\n");
}

int sample_write_customers(sample_world *w)
{
	cy_buf b = CY_BUF_INIT, name = CY_BUF_INIT, list = CY_BUF_INIT, gbk = CY_BUF_INIT;
	size_t i;
	int rc;

	rc = sample_out_mkdir(&w->out, "customers");
	for (i = 0; !rc && i < w->npeople; i++) {
		const sample_person *x = &w->people[i];

		cy_buf_clear(&b);
		cy_buf_clear(&name);
		put_profile(&b, x, w->company);
		sample_printf(&name, "customers/客户档案_%s.txt", x->name);
		rc = sample_out_write(&w->out, cy_buf_cstr(&name), SAMPLE_CUSTOMER, x->since.y,
				      b.ptr, b.len);
	}
	if (rc)
		goto out;

	sample_puts(&list, "客户编号,姓名,性别,出生日期,证件类型,身份证号,手机号,电子邮箱,"
			   "联系地址,开户银行,银行卡号,职业,风险等级,建档日期,紧急联系人,"
			   "联系人关系,联系人电话\r\n");
	for (i = 0; i < w->npeople; i++)
		put_row(&list, &w->people[i]);
	cy_buf_clear(&b);
	sample_puts(&b, "\xef\xbb\xbf");
	sample_put(&b, list.ptr, list.len);
	rc = sample_out_write(&w->out, "customers/customers.csv", SAMPLE_CUSTOMER,
			      w->plan->last_year, b.ptr, b.len);
	if (rc)
		goto out;
	rc = sample_to_gbk(&gbk, cy_buf_cstr(&list), list.len);
	if (rc)
		goto out;
	rc = sample_out_write(&w->out, "customers/customers_gbk.csv", SAMPLE_CUSTOMER,
			      w->plan->last_year, gbk.ptr, gbk.len);
out:
	cy_buf_release(&b);
	cy_buf_release(&name);
	cy_buf_release(&list);
	cy_buf_release(&gbk);
	return rc;
}
