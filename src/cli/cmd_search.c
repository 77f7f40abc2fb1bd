/* cmd_search.c - custody search: find records by a customer's ID number,
 * phone, e-mail, name, credit code or customer number; --stdin answers one
 * query per line as JSON Lines, for scripts (the password is asked once);
 * --reindex rebuilds the full-text index from the records. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/search.h"
#include "custody/banned.h"

static const char *o_fonds, *o_id, *o_phone, *o_email, *o_name, *o_uscc, *o_cust, *o_class, *o_year;
static bool o_json, o_stdin, o_reindex;

static const cli_opt OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("only this fonds (default: every fonds you hold)"),
	 &o_fonds},
	{"class", OPT_STRING, "CLASS",
	 N_("full text: only records of this class (customer, contract, transaction, ...)"),
	 &o_class},
	{"year", OPT_STRING, "YEAR", N_("full text: only records of this year"), &o_year},
	{"id-number", OPT_STRING, "NO", N_("the records of the customer with this ID number"),
	 &o_id},
	{"phone", OPT_STRING, "PHONE", N_("... with this phone number"), &o_phone},
	{"email", OPT_STRING, "ADDR", N_("... with this e-mail address"), &o_email},
	{"name", OPT_STRING, "NAME", N_("... with this name (exactly)"), &o_name},
	{"uscc", OPT_STRING, "CODE", N_("... with this unified social credit code"), &o_uscc},
	{"customer-no", OPT_STRING, "NO", N_("... with this customer number (客户编号)"), &o_cust},
	{"stdin", OPT_FLAG, NULL,
	 N_("read one query per line (id:N, phone:P, email:E, name:N, uscc:C, customer:N) and "
	    "answer each with one JSON line"),
	 &o_stdin},
	{"reindex", OPT_FLAG, NULL,
	 N_("rebuild the full-text index of the fonds you hold (or of --fonds) from their "
	    "records (archivists; logged)"),
	 &o_reindex},
	{"json", OPT_FLAG, NULL, N_("JSON Lines output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};

const cli_cmd cmd_search_spec = {
	"custody search TEXT [--fonds CODE] [--class CLASS] [--year YEAR] [--json]\n"
	"       custody search (--id-number N | --phone P | --email E | --name NAME | --uscc C | "
	"--customer-no N) [--fonds CODE] [--json]\n"
	"       custody search --stdin [--fonds CODE]\n"
	"       custody search --reindex [--fonds CODE]",
	N_("Find records by words in their titles and texts (Chinese or English; every word must\n"
	   "occur; newest first), or the records of a customer by an exact identifier, in the fonds\n"
	   "you hold. For identifiers, spaces,\n"
	   "+86, case and full-width characters do not matter. Every search is logged (a keyed hash\n"
	   "of the value, never the value). With --stdin, one query per line (id:, phone:, email:,\n"
	   "name:, uscc:, customer:; any other line is full text) is answered by exactly one JSON line\n"
	   "{\"query\": ..., \"results\": [{\"archive_no\": ..., \"subject\": ...}, ...]}, also when\n"
	   "nothing is found. --reindex empties the full-text index and adds every record again,\n"
	   "from its sealed metadata and parts: after a crash during an import, or when custody\n"
	   "check reports that the index misses records."),
	NULL,
	OPTS,
	0,
	1,
};

static const char *field, *value;
static cy_search_filter filter;

int cmd_search_prepare(int argc, char **argv)
{
	const struct {
		const char *field, **opt;
	} by[] = {{"id_number", &o_id}, {"phone", &o_phone}, {"email", &o_email},
		  {"name", &o_name},	{"uscc", &o_uscc},   {"customer_no", &o_cust}};
	int given = 0;

	(void)argv;
	if (o_reindex) {
		if (argc || o_stdin || o_id || o_phone || o_email || o_name || o_uscc || o_cust) {
			cli_error(_("--reindex takes no search (only --fonds)"));
			return EXIT_USAGE;
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++)
		if (*by[i].opt) {
			given++;
			field = by[i].field;
			value = *by[i].opt;
		}
	if (o_stdin ? given != 0 || argc : given + argc != 1) {
		cli_error(_("give a text to search for, or exactly one of --id-number, --phone, "
			    "--email, --name, --uscc, --customer-no, or --stdin"));
		return EXIT_USAGE;
	}
	if ((o_class || o_year) && argc != 1) {
		cli_error(_("--class and --year narrow a full-text search (custody search TEXT)"));
		return EXIT_USAGE;
	}
	if (o_class) {
		cy_class c;
		int rc = cy_class_parse(o_class, &c);
		if (rc) {
			cli_fail(rc);
			return EXIT_USAGE;
		}
		filter.class_name = cy_class_name(c);
	}
	if (cli_opt_year(o_year, &filter.year))
		return EXIT_USAGE;
	return 0;
}

typedef struct out_ctx {
	cy_buf b;
	bool first;
	uint64_t n;
} out_ctx;

static int json_hit(cy_buf *b, const cy_search_hit *h)
{
	cy_buf_puts(b, "{\"archive_no\":");
	if (h->archive_no)
		cy_json_cstr(b, h->archive_no);
	else
		cy_buf_puts(b, "null");
	cy_buf_puts(b, ",\"subject\":");
	if (h->subject)
		cy_json_cstr(b, h->subject);
	else
		cy_buf_puts(b, "null");
	cy_buf_puts(b, ",\"fonds\":");
	cy_json_cstr(b, h->fonds ? h->fonds : "");
	if (h->archive_no) {
		cy_buf_printf(b, ",\"class\":\"%s\",\"year\":%d,\"title\":", h->class_name,
			      h->year);
		cy_json_cstr(b, h->title ? h->title : "");
	}
	return cy_buf_putc(b, '}');
}

static int print_hit(void *arg, const cy_search_hit *h)
{
	out_ctx *x = arg;

	x->n++;
	if (o_json || g_json) {
		json_hit(&x->b, h);
		cli_json_line(&x->b);
		cy_buf_wipe(&x->b);
		return 0;
	}
	if (!h->archive_no) {
		printf("%-28s  %-14s  %s\n", "-", h->subject, _("(a customer without records)"));
		return 0;
	}
	printf("%-28s  %-14s  ", h->archive_no, h->subject ? h->subject : "-");
	cli_put_padded(stdout, cli_value("class", h->class_name), 10);
	printf(" %d  ", h->year);
	cli_put_safe(stdout, h->title ? h->title : "");
	putchar('\n');
	return 0;
}

static int collect_hit(void *arg, const cy_search_hit *h)
{
	out_ctx *x = arg;

	if (!x->first)
		cy_buf_putc(&x->b, ',');
	x->first = false;
	x->n++;
	return json_hit(&x->b, h);
}

/* "id:110...", "phone:139...": the field and the value; NULL for a line
 * that names no field custody searches exactly. */
static const char *query_field(const char *line, const char **val)
{
	static const struct {
		const char *prefix, *field;
	} p[] = {{"id:", "id_number"},
		 {"id_number:", "id_number"},
		 {"phone:", "phone"},
		 {"email:", "email"},
		 {"name:", "name"},
		 {"uscc:", "uscc"},
		 {"customer:", "customer_no"},
		 {"customer_no:", "customer_no"}};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!strncmp(line, p[i].prefix, strlen(p[i].prefix))) {
			*val = line + strlen(p[i].prefix);
			return p[i].field;
		}
	return NULL;
}

static int search_stdin(cy_vault *v)
{
	out_ctx x = {CY_BUF_INIT, true, 0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, failed = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		const char *f, *val = NULL;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n)
			continue;
		cy_buf_clear(&x.b);
		x.first = true;
		cy_buf_puts(&x.b, "{\"query\":");
		cy_json_cstr(&x.b, cy_utf8_valid(line, (size_t)n) ? line : "(not UTF-8)");
		cy_buf_puts(&x.b, ",\"results\":[");
		f = query_field(line, &val);
		if (!f) {
			rc = cy_search_text(v, o_fonds, line, 50, collect_hit, &x, NULL);
		} else {
			rc = cy_search_exact(v, o_fonds, f, val, collect_hit, &x, NULL);
		}
		cy_buf_putc(&x.b, ']');
		if (rc) {
			/* the answer still comes, with the error instead of results */
			cy_buf_puts(&x.b, ",\"error\":");
			cy_json_cstr(&x.b, cy_error_message());
			failed++;
			if (rc != CY_EINVALID && rc != CY_EUNSUPPORTED) {
				cy_buf_putc(&x.b, '}');
				cli_json_line(&x.b);
				break;
			}
			rc = 0;
		}
		cy_buf_putc(&x.b, '}');
		cli_json_line(&x.b);
		fflush(stdout);
	}
	if (line) {
		/* the queries were personal data: a buffer that wipes itself */
		cy_buf w = {(uint8_t *)line, cap, cap};
		cy_buf_wipe(&w);
	}
	cy_buf_wipe(&x.b);
	if (rc)
		return cli_fail(rc);
	return failed ? EXIT_ERR : EXIT_OK;
}

static int reindex(cy_vault *v)
{
	cli_progress pr;
	cy_reindex_stats st;
	int rc;

	cli_progress_init(&pr, _("reindexing"));
	rc = cy_search_reindex(v, o_fonds, cli_progress_cb, &pr, &st);
	cli_progress_done(&pr);
	if (rc)
		return cli_fail(rc);
	if (st.damaged)
		cli_error(_("%" PRIu64 " records failed verification and are not in the index: "
			    "run custody check"),
			  st.damaged);
	if (o_json || g_json)
		printf("{\"fonds\":%" PRIu64 ",\"records\":%" PRIu64 ",\"documents\":%" PRIu64
		       ",\"damaged\":%" PRIu64 "}\n",
		       st.fonds, st.records, st.documents, st.damaged);
	else
		fprintf(stderr,
			_("search index rebuilt: %" PRIu64 " fonds, %" PRIu64
			  " records read, %" PRIu64 " documents\n"),
			st.fonds, st.records, st.documents);
	return st.damaged ? EXIT_ERR : EXIT_OK;
}

/* A fonds whose index is gone (deleted, or never built) finds nothing: say
 * how to get it back rather than "nothing found". */
static void missing_index_hint(cy_vault *v)
{
	char code[8];

	if (cy_search_index_missing(v, o_fonds, code) == 1)
		cli_error(_("fonds %s has records but no search index: run custody search --reindex "
			    "--fonds %s"),
			  code, code);
}

int cmd_search(cy_vault *v, int argc, char **argv)
{
	out_ctx x = {CY_BUF_INIT, true, 0};
	uint64_t hits = 0;
	int rc;

	if (o_reindex)
		return reindex(v);
	if (o_stdin)
		return search_stdin(v);
	if (argc == 1) {
		rc = cy_search_text_filtered(v, o_fonds, argv[0], &filter, 200, print_hit, &x,
					     &hits);
		if (!rc && !hits)
			missing_index_hint(v);
	} else
		rc = cy_search_exact(v, o_fonds, field, value, print_hit, &x, &hits);
	cy_buf_wipe(&x.b);
	if (rc)
		return cli_fail(rc);
	if (!hits && !(o_json || g_json)) {
		fprintf(stderr, "%s\n", _("nothing found"));
		return EXIT_ERR;
	}
	return EXIT_OK;
}
