/*
 * The filter chain, in processing order: the stages that mark defects
 * first, the fill that heals them last.
 */
#include "src/internal.h"

extern const SpFilter sp_filter_usermask;
extern const SpFilter sp_filter_profile;
extern const SpFilter sp_filter_missing;
extern const SpFilter sp_filter_detect;
extern const SpFilter sp_filter_profile_known;
extern const SpFilter sp_filter_fill;

const SpFilter *const sp_filters[] = {
    &sp_filter_usermask,
    &sp_filter_profile,
    &sp_filter_missing,
    &sp_filter_detect,
    &sp_filter_profile_known,
    &sp_filter_fill,
    NULL,
};
