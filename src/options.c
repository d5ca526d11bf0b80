/*
 * Filter options: defaults from the declarative tables, "name=value"
 * strings parsed and range-checked against them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/internal.h"

static int find_const(const SpOptionConst *c, const char *s, size_t len, int *out)
{
    for (; c && c->name; c++)
        if (strlen(c->name) == len && !strncmp(c->name, s, len)) {
            *out = c->value;
            return 0;
        }
    return -EINVAL;
}

void sp_options_defaults(void *priv, const SpOption *o)
{
    for (; o && o->name; o++) {
        char *p = (char *)priv + o->offset;
        switch (o->type) {
        case SP_OPT_FLOAT:
            *(double *)p = o->def;
            break;
        case SP_OPT_RANGE:
            ((int *)p)[0] = (int)o->def;
            ((int *)p)[1] = (int)o->def2;
            break;
        default:
            *(int *)p = (int)o->def;
            break;
        }
    }
}

static int parse_int(const char *s, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno || end == s || *end ? -EINVAL : 0;
}

int sp_option_set(void *priv, const SpOption *o, const char *val,
                  const SpLogger *log)
{
    char *p = (char *)priv + o->offset;
    long a, b;
    double d;
    char *end;
    int v;

    switch (o->type) {
    case SP_OPT_INT:
        if (parse_int(val, &a) < 0 || a < o->min || a > o->max)
            goto bad;
        *(int *)p = (int)a;
        return 0;
    case SP_OPT_FLOAT:
        errno = 0;
        d = strtod(val, &end);
        if (errno || end == val || *end || !(d >= o->min && d <= o->max))
            goto bad;
        *(double *)p = d;
        return 0;
    case SP_OPT_ENUM:
        if (find_const(o->consts, val, strlen(val), &v) < 0)
            goto bad;
        *(int *)p = v;
        return 0;
    case SP_OPT_FLAGS: {
        int acc = 0;
        const char *s = val;
        for (;;) {
            size_t len = strcspn(s, ",+");
            if (find_const(o->consts, s, len, &v) < 0)
                goto bad;
            acc |= v;
            if (!s[len])
                break;
            s += len + 1;
        }
        *(int *)p = acc;
        return 0;
    }
    case SP_OPT_COLOR: {
        const char *h = val;
        if (*h == '#')
            h++;
        else if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
            h += 2;
        if (strlen(h) != 6 || strspn(h, "0123456789abcdefABCDEF") != 6)
            goto bad;
        *(int *)p = (int)strtol(h, NULL, 16);
        return 0;
    }
    case SP_OPT_RANGE: {
        char buf[64];
        char *colon;
        if (strlen(val) >= sizeof(buf))
            goto bad;
        strcpy(buf, val);
        colon = strchr(buf, ':');
        if (!colon)
            goto bad;
        *colon = 0;
        if (parse_int(buf, &a) < 0 || parse_int(colon + 1, &b) < 0 ||
            a < o->min || b > o->max || a > b)
            goto bad;
        ((int *)p)[0] = (int)a;
        ((int *)p)[1] = (int)b;
        return 0;
    }
    }
bad:
    {
        char range[128];
        sp_option_range(o, range, sizeof(range));
        sp_log(log, SP_LOG_ERROR, "invalid value '%s' for option '%s': "
               "expected %s\n", val, o->name, range);
    }
    return -EINVAL;
}

void sp_option_range(const SpOption *o, char *buf, size_t size)
{
    size_t n = 0;
    const SpOptionConst *c;

    buf[0] = 0;
    switch (o->type) {
    case SP_OPT_INT:
        snprintf(buf, size, "an integer from %g to %g", o->min, o->max);
        break;
    case SP_OPT_FLOAT:
        snprintf(buf, size, "a number from %g to %g", o->min, o->max);
        break;
    case SP_OPT_RANGE:
        snprintf(buf, size, "MIN:MAX, %g <= MIN <= MAX <= %g", o->min, o->max);
        break;
    case SP_OPT_COLOR:
        snprintf(buf, size, "a colour as rrggbb, #rrggbb or 0xrrggbb");
        break;
    case SP_OPT_FLAGS:
    case SP_OPT_ENUM:
        n = (size_t)snprintf(buf, size, o->type == SP_OPT_FLAGS
                             ? "a comma-separated list of " : "one of ");
        for (c = o->consts; c && c->name && n < size; c++)
            n += (size_t)snprintf(buf + n, size - n, "%s%s",
                                  c == o->consts ? "" : ", ", c->name);
        break;
    }
}

void sp_option_default(const SpOption *o, char *buf, size_t size)
{
    const SpOptionConst *c;
    size_t n = 0;

    buf[0] = 0;
    switch (o->type) {
    case SP_OPT_INT:
    case SP_OPT_FLOAT:
        snprintf(buf, size, "%g", o->def);
        break;
    case SP_OPT_RANGE:
        snprintf(buf, size, "%g:%g", o->def, o->def2);
        break;
    case SP_OPT_COLOR:
        if (o->def >= 0)
            snprintf(buf, size, "%06x", (unsigned)o->def);
        else
            snprintf(buf, size, "none");
        break;
    case SP_OPT_ENUM:
        for (c = o->consts; c && c->name; c++)
            if (c->value == (int)o->def) {
                snprintf(buf, size, "%s", c->name);
                break;
            }
        break;
    case SP_OPT_FLAGS:
        /* a single constant naming the whole set wins ("all", "none") */
        for (c = o->consts; c && c->name; c++)
            if (c->value == (int)o->def) {
                snprintf(buf, size, "%s", c->name);
                return;
            }
        for (c = o->consts; c && c->name && n < size; c++)
            if (c->value && (c->value & (int)o->def) == c->value &&
                !(c->value & (c->value - 1)))
                n += (size_t)snprintf(buf + n, size - n, "%s%s",
                                      n ? "," : "", c->name);
        break;
    }
}
