/*
 * fill_gain: gain correction of dimming spots (stub, being written).
 */
#include "filters/fill.h"

int sp_fill_gain(FillContext *s, SpFrame *f, SpRegion *r, int64_t index)
{
    (void)s; (void)f; (void)r; (void)index;
    return 1;
}
