/* fuzz_receipt.c - libFuzzer target for the receipt parser
 * (cy_receipt_parse): any input is refused with CY_EINVALID or CY_ECORRUPT
 * or parses; a parsed receipt gives its signed message again, and it must
 * still verify (the parser verified it).  Seed corpus:
 * tests/fuzz/corpus/receipt/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/receipt.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_receipt r;
	cy_buf msg = CY_BUF_INIT;
	int rc = cy_receipt_parse(data, size, &r);

	if (rc != 0 && rc != CY_EINVALID && rc != CY_ECORRUPT && rc != CY_ENOMEM)
		abort();
	if (rc == 0 && cy_receipt_message(&r, &msg))
		abort();
	cy_buf_release(&msg);
	return 0;
}
