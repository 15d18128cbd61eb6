#ifndef HYPERFLEET_CLIBPQ_SHIM_H
#define HYPERFLEET_CLIBPQ_SHIM_H
// Exposes libpq (PostgreSQL client library) to Swift.
#include <libpq-fe.h>
#endif
