/* sample_image.c - letters/: scanned letters from customers, as grayscale PNG
 * (written here with zlib) and JPEG (libjpeg).
 *
 * A page is drawn as a scanner sees it: off-white paper with shading and
 * grain, faint ruled lines, a letterhead, rows of glyph-like marks where the
 * handwriting or print would be, a signature, sometimes a seal, dust and a
 * dark scan edge.  Like real scans that went through OCR, each file carries
 * the sender's name and phone number in its metadata: an iTXt "Comment" chunk
 * in the PNG, a COM marker in the JPEG. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <zlib.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

struct page {
	int w, h;
	uint8_t *px;
};

static void fill_rect(struct page *pg, int x0, int y0, int x1, int y1, int level)
{
	int x, y;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > pg->w)
		x1 = pg->w;
	if (y1 > pg->h)
		y1 = pg->h;
	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++)
			pg->px[(size_t)y * (size_t)pg->w + (size_t)x] = (uint8_t)level;
}

/* Ink darkens what is below it rather than replacing it, so that strokes over
 * ruled lines look right. */
static void ink_rect(struct page *pg, int x0, int y0, int x1, int y1, int level)
{
	int x, y;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > pg->w)
		x1 = pg->w;
	if (y1 > pg->h)
		y1 = pg->h;
	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++) {
			uint8_t *p = &pg->px[(size_t)y * (size_t)pg->w + (size_t)x];

			if (*p > level)
				*p = (uint8_t)level;
		}
}

/* One glyph-like mark in a cell of size s at (x, y): a few strokes, as a
 * Chinese character seen from a distance. */
static void glyph(struct page *pg, sample_rng *r, int x, int y, int s, int ink)
{
	int t = s / 9 + 1, n = sample_rng_range(r, 3, 6), i;

	for (i = 0; i < n; i++) {
		int a = sample_rng_range(r, 0, s - t), b = sample_rng_range(r, 0, s - t);
		int len = sample_rng_range(r, s / 3, s);

		if (sample_rng_chance(r, 55))
			ink_rect(pg, x + b, y + a, x + (b + len < s ? b + len : s), y + a + t, ink);
		else
			ink_rect(pg, x + b, y + a, x + b + t, y + (a + len < s ? a + len : s), ink);
	}
}

/* A row of glyphs from x0 to at most x1; returns where it stopped. */
static int text_row(struct page *pg, sample_rng *r, int x0, int x1, int y, int s, int ink,
		    int chars)
{
	int x = x0, i;

	for (i = 0; i < chars && x + s <= x1; i++) {
		if (i > 3 && sample_rng_chance(r, 8)) {
			/* punctuation: a small mark low in the cell */
			ink_rect(pg, x + s / 5, y + s - s / 4, x + s / 5 + s / 6 + 1, y + s, ink);
		} else {
			glyph(pg, r, x, y, s, ink + sample_rng_range(r, -10, 10));
		}
		x += s + s / 6;
	}
	return x;
}

static void ring(struct page *pg, int cx, int cy, int radius, int width, int level)
{
	int x, y, ro = radius * radius, ri = (radius - width) * (radius - width);

	for (y = cy - radius; y <= cy + radius; y++)
		for (x = cx - radius; x <= cx + radius; x++) {
			int d = (x - cx) * (x - cx) + (y - cy) * (y - cy);

			if (d <= ro && d >= ri)
				ink_rect(pg, x, y, x + 1, y + 1, level);
		}
}

/* A signature: a looping stroke drawn with integer steps. */
static void signature(struct page *pg, sample_rng *r, int x0, int y0, int len, int ink)
{
	int t = pg->w / 400 + 1, amp = len / 8, x, y = y0, dy = 0;

	for (x = x0; x < x0 + len; x++) {
		dy += sample_rng_range(r, -2, 2);
		if (dy > 3)
			dy = 3;
		if (dy < -3)
			dy = -3;
		y += dy;
		if (y > y0 + amp)
			y = y0 + amp, dy = -2;
		if (y < y0 - amp)
			y = y0 - amp, dy = 2;
		ink_rect(pg, x, y, x + t, y + t + 1, ink);
	}
}

static void render(struct page *pg, sample_rng *r)
{
	int w = pg->w, h = pg->h;
	int paper = sample_rng_range(r, 228, 244), shade = sample_rng_range(r, -8, 8);
	int margin = w / 9, spacing = h / sample_rng_range(r, 30, 38);
	int s = spacing * 3 / 5, ink = sample_rng_range(r, 35, 75);
	int x, y, i, top, bottom, row;
	uint8_t *line = malloc((size_t)w);
	static const unsigned grain_weights[3] = {35, 45, 20};
	uint64_t bits = 0;
	int nbits = 0, grain;
	bool indent_next;

	if (!line)
		sample_die_nomem();
	for (x = 0; x < w; x++)
		line[x] = (uint8_t)(paper + shade * x / w);
	for (y = 0; y < h; y++)
		memcpy(pg->px + (size_t)y * (size_t)w, line, (size_t)w);
	free(line);

	/* letterhead: a logo and the sender's heading, then a rule */
	fill_rect(pg, margin, h / 22, margin + s * 2, h / 22 + s * 2, ink + 20);
	text_row(pg, r, margin + s * 3, w - margin, h / 22 + s / 3, s + s / 3, ink,
		 sample_rng_range(r, 6, 12));
	fill_rect(pg, margin, h / 22 + s * 3, w - margin, h / 22 + s * 3 + 2, ink + 60);

	/* ruled lines and text on them */
	top = h / 22 + s * 5;
	bottom = h - h / 6;
	for (y = top; y < bottom; y += spacing)
		fill_rect(pg, margin - s, y, w - margin + s, y + 1 + w / 1000, paper - 22);
	row = 0;
	indent_next = true;
	for (y = top; y + spacing < bottom; y += spacing, row++) {
		int indent = 0, chars = 200;

		if (row == 0) {
			chars = sample_rng_range(r, 5, 9); /* 尊敬的……： */
			indent_next = true;
		} else {
			if (indent_next)
				indent = 2 * (s + s / 6);
			indent_next = false;
			if (sample_rng_chance(r, 6))
				continue; /* a blank line */
			if (sample_rng_chance(r, 22)) {
				chars = sample_rng_range(r, 3, 20); /* a paragraph's last line */
				indent_next = true;
			}
		}
		text_row(pg, r, margin + indent, w - margin, y - s - s / 5, s, ink, chars);
	}

	/* closing, signature, date, sometimes a seal */
	text_row(pg, r, w - margin - 8 * s, w - margin, bottom + s, s, ink, 4);
	signature(pg, r, w - margin - 7 * s, bottom + s * 4, 6 * s, ink - 15);
	text_row(pg, r, w - margin - 8 * s, w - margin, bottom + s * 6, s, ink, 7);
	if (sample_rng_chance(r, 40))
		ring(pg, w - margin - 4 * s, bottom + s * 4, w / 12, w / 200 + 2, 120);

	/* dust and a dark edge where the lid did not cover the glass */
	for (i = sample_rng_range(r, 10, 60); i > 0; i--) {
		int dx = sample_rng_range(r, 0, w - 1), dy = sample_rng_range(r, 0, h - 1);
		int ds = sample_rng_range(r, 1, 3);

		ink_rect(pg, dx, dy, dx + ds, dy + ds, sample_rng_range(r, 60, 160));
	}
	if (sample_rng_chance(r, 50))
		fill_rect(pg, 0, 0, sample_rng_range(r, 2, w / 80 + 3), h,
			  sample_rng_range(r, 20, 60));

	/* Grain differs between scanners: some leave clean paper with a few specks,
	 * others add a small random offset to every pixel. */
	grain = (int)sample_rng_weighted(r, grain_weights, 3);
	for (i = 0; i < w * h; i++) {
		int v = pg->px[i];

		if (nbits < 5) {
			bits = sample_rng_next(r);
			nbits = 64;
		}
		if (grain == 0) {
			if ((bits & 31) == 0)
				v -= 2;
			bits >>= 5;
			nbits -= 5;
		} else if (grain == 1) {
			v += (int)(bits & 1);
			bits >>= 1;
			nbits -= 1;
		} else {
			v += (int)(bits & 3) - 1;
			bits >>= 2;
			nbits -= 2;
		}
		pg->px[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

/* ---- PNG ---- */

/* Deflate with the run-length strategy: grain leaves few long matches to find,
 * so the full search costs five times the time for one percent of the size. */
static int deflate_rle(uint8_t *dst, uLongf *dstlen, const uint8_t *src, size_t n)
{
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	rc = deflateInit2(&zs, 6, Z_DEFLATED, 15, 9, Z_RLE);
	if (rc != Z_OK)
		return rc;
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)n;
	zs.next_out = dst;
	zs.avail_out = (uInt)*dstlen;
	rc = deflate(&zs, Z_FINISH);
	*dstlen = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? Z_OK : Z_BUF_ERROR;
}

static void put_chunk(cy_buf *out, const char *type, const void *data, size_t n)
{
	uLong crc = crc32(0, (const Bytef *)type, 4);

	if (n)
		crc = crc32(crc, data, (uInt)n);
	if (cy_buf_put_u32be(out, (uint32_t)n) || cy_buf_put(out, type, 4))
		sample_die_nomem();
	sample_put(out, data, n);
	if (cy_buf_put_u32be(out, (uint32_t)crc))
		sample_die_nomem();
}

/* iTXt: keyword, compression flag and method, language, translated keyword. */
static const char itxt_head[] = "Comment\0\0\0zh-CN\0备注";
static const char text_software[] = "Software\0custody-sample";

static int encode_png(cy_buf *out, const struct page *pg, int dpi, const char *comment,
		      sample_date date)
{
	cy_buf chunk = CY_BUF_INIT, raw = CY_BUF_INIT;
	uint8_t ihdr[13], phys[9], time[7];
	uint32_t ppm = (uint32_t)(dpi * 10000 + 127) / 254;
	uLongf zlen;
	uint8_t *z;
	size_t y, off;
	int rc = 0;

	sample_put(out, "\x89PNG\r\n\x1a\n", 8);
	cy_store_u32be(ihdr, (uint32_t)pg->w);
	cy_store_u32be(ihdr + 4, (uint32_t)pg->h);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 0;  /* grayscale */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering */
	ihdr[12] = 0; /* no interlace */
	put_chunk(out, "IHDR", ihdr, sizeof(ihdr));
	cy_store_u32be(phys, ppm);
	cy_store_u32be(phys + 4, ppm);
	phys[8] = 1; /* metre */
	put_chunk(out, "pHYs", phys, sizeof(phys));
	time[0] = (uint8_t)(date.y >> 8);
	time[1] = (uint8_t)date.y;
	time[2] = (uint8_t)date.m;
	time[3] = (uint8_t)date.d;
	time[4] = 10;
	time[5] = 0;
	time[6] = 0;
	put_chunk(out, "tIME", time, sizeof(time));
	sample_put(&chunk, itxt_head, sizeof(itxt_head)); /* its NUL ends the keyword */
	sample_puts(&chunk, comment);
	put_chunk(out, "iTXt", chunk.ptr, chunk.len);
	put_chunk(out, "tEXt", text_software, sizeof(text_software) - 1);

	/* Filter every row with Sub (type 1): paper and grain compress best that way. */
	if (cy_buf_grow(&raw, (size_t)pg->h * ((size_t)pg->w + 1)))
		sample_die_nomem();
	for (y = 0; y < (size_t)pg->h; y++) {
		const uint8_t *row = pg->px + y * (size_t)pg->w;
		uint8_t *dst = raw.ptr + raw.len;
		size_t x;

		dst[0] = 1;
		dst[1] = row[0];
		for (x = 1; x < (size_t)pg->w; x++)
			dst[x + 1] = (uint8_t)(row[x] - row[x - 1]);
		raw.len += (size_t)pg->w + 1;
	}
	zlen = compressBound((uLong)raw.len);
	z = malloc(zlen);
	if (!z)
		sample_die_nomem();
	if (deflate_rle(z, &zlen, raw.ptr, raw.len) != Z_OK) {
		rc = cy_error_set(CY_ERROR, "zlib: cannot compress image");
		goto out;
	}
	for (off = 0; off < zlen; off += 65536)
		put_chunk(out, "IDAT", z + off, zlen - off < 65536 ? zlen - off : 65536);
	put_chunk(out, "IEND", NULL, 0);
out:
	free(z);
	cy_buf_release(&chunk);
	cy_buf_release(&raw);
	return rc;
}

/* ---- JPEG ---- */

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail_exit(j_common_ptr c)
{
	struct jpeg_fail *f = (struct jpeg_fail *)c->err;

	f->mgr.format_message(c, f->msg);
	longjmp(f->jump, 1);
}

static int encode_jpeg(cy_buf *out, const struct page *pg, int dpi, int quality,
		       const char *comment)
{
	struct jpeg_compress_struct c;
	struct jpeg_fail fail;
	unsigned char *volatile mem = NULL;
	unsigned long volatile len = 0;
	JSAMPROW row;

	memset(&c, 0, sizeof(c));
	c.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	if (setjmp(fail.jump)) {
		jpeg_destroy_compress(&c);
		free(mem);
		return cy_error_set(CY_ERROR, "libjpeg: %s", fail.msg);
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, (unsigned char **)&mem, (unsigned long *)&len);
	c.image_width = (JDIMENSION)pg->w;
	c.image_height = (JDIMENSION)pg->h;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	c.density_unit = 1; /* dots per inch */
	c.X_density = (UINT16)dpi;
	c.Y_density = (UINT16)dpi;
	jpeg_start_compress(&c, TRUE);
	jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)comment, (unsigned)strlen(comment));
	while (c.next_scanline < c.image_height) {
		row = pg->px + (size_t)c.next_scanline * (size_t)pg->w;
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	sample_put(out, mem, len);
	jpeg_destroy_compress(&c);
	free(mem);
	return 0;
}

/* ---- the letters ---- */

struct letter {
	size_t person;
	sample_date date;
};

static int letter_cmp(const void *a, const void *b)
{
	const struct letter *x = a, *y = b;
	int c = sample_date_cmp(x->date, y->date);

	if (c)
		return c;
	return x->person < y->person ? -1 : x->person > y->person;
}

static const char *const subjects[] = {
	"合同变更申请",	    "还款计划调整申请", "发票补开申请", "投诉与建议",
	"地址变更通知",	    "解除合同通知",	"售后维修申请", "个人信息查询申请",
	"删除个人信息申请", "逾期付款情况说明",
};

int sample_write_letters(sample_world *w)
{
	const sample_plan *plan = w->plan;
	size_t n = (size_t)plan->letters, i;
	struct letter *list = sample_calloc(n, sizeof(*list));
	sample_date first = {plan->first_year, 1, 1}, last = {plan->last_year, 12, 31};
	cy_buf out = CY_BUF_INIT, name = CY_BUF_INIT, comment = CY_BUF_INIT;
	struct page pg = {0, 0, NULL};
	int rc, seq = 0, year = 0;
	sample_rng r;

	sample_rng_seed(&r, w->seed, "letters", 0);
	for (i = 0; i < n; i++) {
		const sample_person *p;

		list[i].person = sample_rng_below(&r, (uint32_t)w->npeople);
		p = &w->people[list[i].person];
		list[i].date = sample_date_between(
			&r, sample_date_cmp(p->since, first) > 0 ? p->since : first, last);
	}
	qsort(list, n, sizeof(*list), letter_cmp);

	rc = sample_out_mkdir(&w->out, "letters");
	for (i = 0; !rc && i < n; i++) {
		const sample_person *p = &w->people[list[i].person];
		sample_date d = list[i].date;
		bool png;
		int dpi;

		if (d.y != year) {
			year = d.y;
			seq = 0;
		}
		seq++;
		sample_rng_seed(&r, w->seed, "letter", i);
		png = sample_rng_chance(&r, 55);
		pg.w = sample_rng_range(&r, 600, 1240);
		/* A4 mostly; some scans are cropped a little. */
		pg.h = pg.w * 1414 / 1000 -
		       (sample_rng_chance(&r, 30) ? sample_rng_range(&r, 0, pg.w / 10) : 0);
		dpi = (pg.w * 100 + 413) / 827;
		free(pg.px);
		pg.px = sample_calloc((size_t)pg.w * (size_t)pg.h, 1);
		render(&pg, &r);

		cy_buf_clear(&comment);
		sample_printf(&comment, "来函扫描件 OCR：寄件人 %s，联系电话 %s，事由：%s，日期 ",
			      p->name, p->phone, SAMPLE_PICK(&r, subjects));
		sample_put_date(&comment, d);
		cy_buf_clear(&out);
		if (png)
			rc = encode_png(&out, &pg, dpi, cy_buf_cstr(&comment), d);
		else
			rc = encode_jpeg(&out, &pg, dpi, sample_rng_range(&r, 70, 90),
					 cy_buf_cstr(&comment));
		if (rc)
			break;
		cy_buf_clear(&name);
		sample_printf(&name, "letters/信函_LX%d-%04d_%s.%s", d.y, seq, p->name,
			      png ? "png" : "jpg");
		rc = sample_out_write(&w->out, cy_buf_cstr(&name), SAMPLE_CORRESPONDENCE, d.y,
				      out.ptr, out.len);
	}
	free(pg.px);
	free(list);
	cy_buf_release(&out);
	cy_buf_release(&name);
	cy_buf_release(&comment);
	return rc;
}
