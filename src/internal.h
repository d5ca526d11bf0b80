/*
 * Library internals shared by src/ and filters/: option tables, the filter
 * registry.
 */
#ifndef SPOTHEAL_SRC_INTERNAL_H
#define SPOTHEAL_SRC_INTERNAL_H

#include <stddef.h>

#include "filters/filter.h"

/** The chain, in processing order: markers first, fills last. */
extern const SpFilter *const sp_filters[];

void sp_options_defaults(void *priv, const SpOption *o);
int sp_option_set(void *priv, const SpOption *o, const char *val,
                  const SpLogger *log);
void sp_option_range(const SpOption *o, char *buf, size_t size);
void sp_option_default(const SpOption *o, char *buf, size_t size);

#endif /* SPOTHEAL_SRC_INTERNAL_H */
