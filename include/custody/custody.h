/* custody.h - the whole public API of libcustody, for front ends (the CLI,
 * later the web server).  Each module's header can also be included alone. */
#ifndef CUSTODY_CUSTODY_H
#define CUSTODY_CUSTODY_H

#include "custody/buf.h"
#include "custody/check.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/fonds.h"
#include "custody/hold.h"
#include "custody/import.h"
#include "custody/ingest.h"
#include "custody/log.h"
#include "custody/mail.h"
#include "custody/normalize.h"
#include "custody/pii.h"
#include "custody/record.h"
#include "custody/retention.h"
#include "custody/sindex.h"
#include "custody/subject.h"
#include "custody/table.h"
#include "custody/user.h"
#include "custody/vault.h"

#endif
