/* svg.c - a picture of a placement for operators (`slotstore plan --svg FILE`).
 *
 * Left: the machine x machine failover matrix as a heatmap.  Cell (row a,
 * column b) counts a's masters whose first failover target is b, so a
 * balanced placement is an even wash of colour and a FastMail-style paired
 * layout shows up as dark blocks along the diagonal.  Right, aligned with the
 * matrix rows: masters per machine with the fair share marked, plus the
 * masters each survivor gains in the worst single machine failure.
 *
 * Plain SVG 1.1 text, no dependencies.  Every coordinate is an integer so
 * the output does not depend on the C locale's decimal separator.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "balance.h"
#include "cli.h"

#define MARGIN 16
#define TITLE_H 96           /* title, subtitle and caption */
#define NUMBERS_MAX_N 60     /* above this the cells carry no numbers */
#define GRID_TARGET 1080     /* grid side in px for large topologies */
#define CELL_MIN_NUMBERS 18  /* smallest cell that still fits a 3 digit number */
#define CELL_MAX 40
#define LABEL_MAX_CHARS 18   /* longer machine names are cut with an ellipsis */
#define BAR_W 280            /* bar chart width, without its value labels */
#define BAR_LABEL_W 64
#define LEGEND_SWATCHES 9
#define COLOR_SCALE_MIN 4     /* count that gets the darkest colour, at least */
#define MATRIX_LEGEND "Cell: masters of the row machine that fail over first to the column machine"
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"

#define COLOR_ZERO "#f3f3f3"
#define COLOR_DIAG "#cfcfcf"
#define COLOR_BAR "#4c72b0"
#define COLOR_BAR_HIGH "#dd8452"
#define COLOR_BAR_FAILED "#b0b0b0"
#define COLOR_EXTRA "#c44e52"
#define COLOR_FAIR "#222222"

/* ---- output buffer ------------------------------------------------------ */

struct sbuf {
    char *data;
    size_t len, cap;
    int oom;                 /* sticky: checked once before writing */
};

static void sb_reserve(struct sbuf *sb, size_t more)
{
    if (sb->oom || sb->len + more + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 65536;
    while (cap < sb->len + more + 1)
        cap *= 2;
    char *d = realloc(sb->data, cap);
    if (d == NULL) {
        sb->oom = 1;
        return;
    }
    sb->data = d;
    sb->cap = cap;
}

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->oom = 1;
        return;
    }
    sb_reserve(sb, (size_t)n);
    if (sb->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s, or 0 if s does not start one.
 * Invalid bytes would make the whole SVG unreadable, so callers replace them. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
          : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Append s XML-escaped, at most max_chars characters (then an ellipsis).
 * Control characters are not allowed in XML 1.0 and become '?'. */
static void sb_escape(struct sbuf *sb, const char *s, int max_chars)
{
    const unsigned char *u = (const unsigned char *)s;
    for (int chars = 0; *u; chars++) {
        if (chars == max_chars - 1 && u[utf8_len(u) ? utf8_len(u) : 1] != '\0') {
            sb_printf(sb, "&#8230;");
            return;
        }
        int n = utf8_len(u);
        if (n == 0 || (*u < 0x20 && *u != '\t'))
            sb_printf(sb, "?");
        else if (*u == '&')
            sb_printf(sb, "&amp;");
        else if (*u == '<')
            sb_printf(sb, "&lt;");
        else if (*u == '>')
            sb_printf(sb, "&gt;");
        else if (*u == '"')
            sb_printf(sb, "&quot;");
        else if (*u == '\'')
            sb_printf(sb, "&apos;");
        else
            sb_printf(sb, "%.*s", n, (const char *)u);
        u += n ? n : 1;
    }
}

/* Characters (not bytes) of s, as sb_escape would print at most. */
static int display_chars(const char *s, int max_chars)
{
    int chars = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; chars++)
        u += utf8_len(u) ? utf8_len(u) : 1;
    return chars < max_chars ? chars : max_chars;
}

/* x with one decimal, independent of the locale ("26.7"). */
static void fmt_tenths(char *buf, size_t len, double x)
{
    long v = (long)(x * 10 + (x < 0 ? -0.5 : 0.5));
    snprintf(buf, len, "%s%ld.%ld", v < 0 ? "-" : "", labs(v) / 10, labs(v) % 10);
}

/* Rough text width: the SVG has no font metrics, 0.6 em per character is
 * wide enough for DejaVu Sans digits and lower case. */
static int text_w(int chars, int font)
{
    return (chars * font * 6 + 9) / 10;
}

/* ---- what is drawn ------------------------------------------------------ */

struct picture {
    const struct ss_placement *p;
    const struct ss_balance *b;
    int n;
    int vmax;                /* largest failover matrix entry */
    int failed;              /* machine of the single failure shown on the bars */
    int *extra;              /* masters each survivor gains in that failure */
    int worst_busiest, worst_bound;   /* over all single failures */
    int bar_max;             /* bar chart axis end */
    int bar_step;
};

struct layout {
    int cell, numbers, label_step, label_font, label_w;
    int color_floor;         /* see cell_color() */
    int grid_x, grid_y, grid;
    int legend_w;
    int bar_x;
    int width, height;
};

static int nice_step(int max, int ticks)
{
    int raw = max / ticks > 0 ? max / ticks : 1;
    int mag = 1;
    while (mag * 10 <= raw)
        mag *= 10;
    int step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
    return step;
}

/* The failure shown on the bars is the one with the busiest survivor; among
 * equals the one furthest above its bound, i.e. the most telling case. */
static void pick_failure(struct picture *pic)
{
    const struct ss_balance *b = pic->b;
    pic->failed = -1;
    pic->worst_busiest = 0;
    pic->worst_bound = 0;
    for (int f = 0; f < b->nsingle; f++) {
        const struct ss_failure_result *r = &b->single[f];
        if (r->lower_bound > pic->worst_bound)
            pic->worst_bound = r->lower_bound;
        if (pic->failed >= 0) {
            const struct ss_failure_result *w = &b->single[pic->failed];
            if (r->busiest_masters < w->busiest_masters)
                continue;
            if (r->busiest_masters == w->busiest_masters &&
                r->busiest_masters - r->lower_bound <= w->busiest_masters - w->lower_bound)
                continue;
        }
        pic->failed = f;
        pic->worst_busiest = r->busiest_masters;
    }
}

static int build_picture(struct picture *pic, const struct ss_placement *p,
                         const struct ss_balance *b)
{
    int n = b->nmachines;
    pic->p = p;
    pic->b = b;
    pic->n = n;
    pic->vmax = 0;
    for (long i = 0; i < (long)n * n; i++)
        if (b->failover[i] > pic->vmax)
            pic->vmax = b->failover[i];
    pic->extra = calloc((size_t)n, sizeof(int));
    int *load = calloc((size_t)n, sizeof(int));
    if (pic->extra == NULL || load == NULL) {
        free(load);
        return -1;
    }
    pick_failure(pic);
    if (pic->failed >= 0 && p->copies > 1) {
        ss_balance_after_failure(p, &pic->failed, 1, load);
        for (int i = 0; i < n; i++)
            if (i != pic->failed && load[i] > b->masters[i])
                pic->extra[i] = load[i] - b->masters[i];
    }
    free(load);
    int top = 0;
    for (int i = 0; i < n; i++) {
        int v = b->masters[i] + pic->extra[i];
        int f = (int)b->fair[i] + 1;
        if (v > top)
            top = v;
        if (f > top)
            top = f;
    }
    pic->bar_step = nice_step(top, 5);
    pic->bar_max = (top + pic->bar_step - 1) / pic->bar_step * pic->bar_step;
    if (pic->bar_max == 0)
        pic->bar_max = pic->bar_step;
    return 0;
}

static int legend_values(const struct picture *pic, int *vals)
{
    int k = 0;
    vals[k++] = 0;
    if (pic->vmax <= LEGEND_SWATCHES - 1) {
        for (int v = 1; v <= pic->vmax; v++)
            vals[k++] = v;
        return k;
    }
    for (int i = 0; i < LEGEND_SWATCHES - 1; i++) {
        int v = 1 + (int)((long)(pic->vmax - 1) * i / (LEGEND_SWATCHES - 2));
        if (v != vals[k - 1])
            vals[k++] = v;
    }
    return k;
}

/* Cells as large as readable, the grid at most GRID_TARGET px so that even
 * 1000 machines stay a ~1600 px picture (one pixel a machine). */
static void compute_layout(const struct picture *pic, struct layout *L)
{
    int n = pic->n;
    L->numbers = n <= NUMBERS_MAX_N;
    L->color_floor = L->numbers ? 0 : 350;
    L->cell = GRID_TARGET / n;
    if (L->cell > CELL_MAX)
        L->cell = CELL_MAX;
    if (L->numbers && L->cell < CELL_MIN_NUMBERS)
        L->cell = CELL_MIN_NUMBERS;
    if (L->cell < 1)
        L->cell = 1;
    L->grid = L->cell * n;
    L->label_font = L->cell * 7 / 10;
    L->label_font = L->label_font > 12 ? 12 : L->label_font < 8 ? 8 : L->label_font;
    /* label every k-th machine when rows are thinner than the text */
    L->label_step = (L->label_font + 2 + L->cell - 1) / L->cell;
    int chars = 1;
    for (int i = 0; i < n; i++) {
        int c = display_chars(pic->p->topo->machines[i].name, LABEL_MAX_CHARS);
        if (c > chars)
            chars = c;
    }
    L->label_w = text_w(chars, L->label_font);
    L->grid_x = MARGIN + 20 + L->label_w + 6;
    L->grid_y = TITLE_H + 22 + L->label_w + 6;
    int vals[LEGEND_SWATCHES];
    int nv = legend_values(pic, vals);
    L->legend_w = 8 + (nv + 1) * 30 + 110;
    if (L->legend_w < text_w((int)strlen(MATRIX_LEGEND), 11))
        L->legend_w = text_w((int)strlen(MATRIX_LEGEND), 11);
    int left = L->grid > L->legend_w ? L->grid : L->legend_w;
    L->bar_x = L->grid_x + left + 48;
    L->width = L->bar_x + BAR_W + BAR_LABEL_W + MARGIN;
    if (L->width < 760)
        L->width = 760;
    /* below the grid its legend (24 + 72), below the bars their axis and
     * legend (40 + 3 x 18 + 8): the taller of the two */
    L->height = L->grid_y + L->grid + 40 + 3 * 18 + 8 + MARGIN;
}

/* Sequential blue-green scale (ColorBrewer YlGnBu): light is few, dark is many.
 * `floor` (0..1000) skips the palest colours: one-pixel cells must stand out
 * from the background or a large matrix looks empty. */
static void cell_color(int v, int vmax, int floor, char *buf, size_t len, int *dark)
{
    static const int stop[5][3] = {
        {237, 248, 177}, {199, 233, 180}, {127, 205, 187}, {29, 145, 192}, {12, 44, 132}};
    *dark = 0;
    if (v <= 0 || vmax <= 0) {
        snprintf(buf, len, "%s", COLOR_ZERO);
        return;
    }
    /* t in (0, 1000].  The scale spans at least 0..COLOR_SCALE_MIN so that a
     * well spread matrix of ones and twos reads as calm, not as alarm-dark. */
    int top = vmax > COLOR_SCALE_MIN ? vmax : COLOR_SCALE_MIN;
    int t = floor + (int)((long)(v > top ? top : v) * (1000 - floor) / top);
    int seg = t * 4 / 1000 < 4 ? t * 4 / 1000 : 3;
    int f = t * 4 - seg * 1000;      /* 0..1000 within the segment */
    int rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = stop[seg][c] + (stop[seg + 1][c] - stop[seg][c]) * f / 1000;
    snprintf(buf, len, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    *dark = t > 550;
}

static const char *mname(const struct picture *pic, int i)
{
    return pic->p->topo->machines[i].name;
}

/* ---- drawing ------------------------------------------------------------ */

static void draw_header(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    const struct ss_topology *t = pic->p->topo;
    const char *path = t->path ? t->path : "(topology)";
    size_t plen = strlen(path);
    /* keep the informative end of a long path */
    const char *shown = path;
    if (plen > 70) {
        shown = path + plen - 69;
        while ((*(const unsigned char *)shown & 0xc0) == 0x80)
            shown++;
    }
    sb_printf(sb, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", L->width, L->height);
    sb_printf(sb, "<text class=\"title\" x=\"%d\" y=\"%d\">slotstore placement: %s", MARGIN,
              MARGIN + 16, shown != path ? "&#8230;" : "");
    sb_escape(sb, shown, 1000);
    sb_printf(sb, "</text>\n");
    sb_printf(sb,
              "<text class=\"sub\" x=\"%d\" y=\"%d\">%d machines, %d stores, %d slots per store "
              "(replicas %d): first slot master, then failover targets in order</text>\n",
              MARGIN, MARGIN + 40, pic->n, pic->p->nstores, pic->p->copies, pic->p->copies - 1);
    if (pic->failed < 0 || pic->p->copies < 2) {
        sb_printf(sb, "<text class=\"cap\" x=\"%d\" y=\"%d\">No failover targets to show.</text>\n",
                  MARGIN, MARGIN + 64);
        return;
    }
    const struct ss_failure_result *w = &pic->b->worst_single;
    sb_printf(sb,
              "<text class=\"cap\" x=\"%d\" y=\"%d\">After any single machine failure the busiest "
              "survivor has %s%d masters (bound %d)",
              MARGIN, MARGIN + 64, pic->worst_busiest > pic->worst_bound ? "" : "at most ",
              pic->worst_busiest, pic->worst_bound);
    if (w->busiest_masters > w->lower_bound) {
        sb_printf(sb, "; worst: ");
        sb_escape(sb, mname(pic, w->failed[0]), LABEL_MAX_CHARS);
        sb_printf(sb, " fails, %d over its bound", w->busiest_masters - w->lower_bound);
        if (pic->b->single_least_excess > 0)
            sb_printf(sb, " (%d over is the least any placement with these master and copy "
                          "counts reaches)", pic->b->single_least_excess);
    }
    sb_printf(sb, ".</text>\n");
}

static void draw_matrix_labels(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    int mid = L->grid_x + L->grid / 2;
    sb_printf(sb, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
                  "first failover target (column)</text>\n", mid, TITLE_H + 10);
    int midy = L->grid_y + L->grid / 2;
    sb_printf(sb, "<text class=\"axis\" transform=\"translate(%d,%d) rotate(-90)\" "
                  "text-anchor=\"middle\">master (row)</text>\n", MARGIN + 10, midy);
    sb_printf(sb, "<g class=\"lbl\" style=\"font-size:%dpx\">\n", L->label_font);
    for (int i = 0; i < pic->n; i += L->label_step) {
        int c = L->cell * i + L->cell / 2 + L->label_font * 35 / 100;
        sb_printf(sb, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L->grid_x - 4,
                  L->grid_y + c);
        sb_escape(sb, mname(pic, i), LABEL_MAX_CHARS);
        sb_printf(sb, "</text>\n");
        sb_printf(sb, "<text transform=\"translate(%d,%d) rotate(-90)\">", L->grid_x + c,
                  L->grid_y - 4);
        sb_escape(sb, mname(pic, i), LABEL_MAX_CHARS);
        sb_printf(sb, "</text>\n");
    }
    sb_printf(sb, "</g>\n");
}

static void draw_cell(struct sbuf *sb, const struct picture *pic, const struct layout *L, int a,
                      int bcol)
{
    int v = pic->b->failover[(long)a * pic->n + bcol];
    int x = L->grid_x + bcol * L->cell, y = L->grid_y + a * L->cell;
    char color[16];
    int dark = 0;
    if (a == bcol)
        snprintf(color, sizeof(color), "%s", COLOR_DIAG);
    else
        cell_color(v, pic->vmax, L->color_floor, color, sizeof(color), &dark);
    sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">", x, y, L->cell,
              L->cell, color);
    if (a != bcol && L->numbers) {
        sb_printf(sb, "<title>");
        sb_escape(sb, mname(pic, a), 64);
        sb_printf(sb, " &#8594; ");
        sb_escape(sb, mname(pic, bcol), 64);
        sb_printf(sb, ": %d</title>", v);
    }
    sb_printf(sb, "</rect>\n");
    if (L->numbers && a != bcol && v > 0)
        sb_printf(sb, "<text class=\"num%s\" x=\"%d\" y=\"%d\">%d</text>\n", dark ? " dark" : "",
                  x + L->cell / 2, y + L->cell / 2 + 4, v);
}

static void draw_matrix(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    draw_matrix_labels(sb, pic, L);
    /* Zero cells are the background: a large matrix is mostly zeros and the
     * file stays small.  Small grids get every cell, with white grid lines. */
    sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", L->grid_x,
              L->grid_y, L->grid, L->grid, COLOR_ZERO);
    sb_printf(sb, "<g%s>\n", L->numbers ? " class=\"cells\"" : "");
    for (int a = 0; a < pic->n; a++)
        for (int c = 0; c < pic->n; c++)
            if (L->numbers || (a != c && pic->b->failover[(long)a * pic->n + c] > 0))
                draw_cell(sb, pic, L, a, c);
    sb_printf(sb, "</g>\n");
    sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                  "stroke=\"#888888\"/>\n", L->grid_x, L->grid_y, L->grid, L->grid);
}

static void draw_matrix_legend(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    int vals[LEGEND_SWATCHES];
    int nv = legend_values(pic, vals);
    int x = L->grid_x, y = L->grid_y + L->grid + 26;
    sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\">%s</text>\n", x, y, MATRIX_LEGEND);
    y += 10;
    for (int i = 0; i < nv; i++) {
        char color[16];
        int dark;
        cell_color(vals[i], pic->vmax, L->color_floor, color, sizeof(color), &dark);
        sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"14\" fill=\"%s\" "
                      "stroke=\"#999999\" stroke-width=\"0.5\"/>\n", x + i * 30, y, color);
        sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                  x + i * 30 + 12, y + 28, vals[i]);
    }
    if (L->numbers) {
        int dx = x + nv * 30 + 14;
        sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"14\" fill=\"%s\"/>\n", dx, y,
                  COLOR_DIAG);
        sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\">same machine</text>\n", dx + 30,
                  y + 11);
    }
}

static void draw_bar_axis(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    int y0 = L->grid_y, y1 = L->grid_y + L->grid;
    sb_printf(sb, "<text class=\"axis\" x=\"%d\" y=\"%d\">masters per machine</text>\n", L->bar_x,
              TITLE_H + 10);
    for (int v = 0; v <= pic->bar_max; v += pic->bar_step) {
        int x = L->bar_x + v * BAR_W / pic->bar_max;
        sb_printf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", x, y0, x,
                  y1 + 4, v ? "#e4e4e4" : "#888888");
        sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x,
                  y1 + 17, v);
    }
}

/* The fair share: one dashed line when every machine has the same share,
 * else a tick per row (machines with more slots deserve more masters). */
static void draw_fair(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    const double *fair = pic->b->fair;
    int uniform = 1;
    for (int i = 1; i < pic->n; i++)
        if (fair[i] - fair[0] > 1e-9 || fair[0] - fair[i] > 1e-9)
            uniform = 0;
    if (uniform) {
        char buf[32];
        int x = L->bar_x + (int)(fair[0] * BAR_W / pic->bar_max + 0.5);
        fmt_tenths(buf, sizeof(buf), fair[0]);
        sb_printf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                      "stroke-width=\"1.5\" stroke-dasharray=\"5,3\"/>\n",
                  x, L->grid_y - 6, x, L->grid_y + L->grid, COLOR_FAIR);
        sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">fair %s</text>\n",
                  x, L->grid_y - 9, buf);
        return;
    }
    int h = L->cell > 2 ? L->cell : 2;
    for (int i = 0; i < pic->n; i++) {
        int x = L->bar_x + (int)(fair[i] * BAR_W / pic->bar_max + 0.5);
        sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"2\" height=\"%d\" fill=\"%s\"/>\n", x - 1,
                  L->grid_y + i * L->cell, h, COLOR_FAIR);
    }
}

/* More masters than the fair share rounded up: the planner could have done better. */
static int above_fair(const struct ss_balance *b, int i)
{
    int ceil_fair = (int)b->fair[i] + (b->fair[i] > (int)b->fair[i] + 1e-9);
    return b->masters[i] > ceil_fair;
}

struct bar {
    int y, h, w, ew;         /* row top and height, planned and gained widths */
};

static struct bar bar_geometry(const struct picture *pic, const struct layout *L, int i)
{
    struct bar r;
    int gap = L->cell >= 6 ? L->cell / 6 : 0;
    r.y = L->grid_y + i * L->cell + gap;
    r.h = L->cell - 2 * gap;
    r.w = pic->b->masters[i] * BAR_W / pic->bar_max;
    r.ew = pic->extra[i] * BAR_W / pic->bar_max;
    if (pic->extra[i] > 0 && r.ew < 1)
        r.ew = 1;
    return r;
}

static void draw_bar(struct sbuf *sb, const struct picture *pic, const struct layout *L, int i)
{
    const struct ss_balance *b = pic->b;
    struct bar r = bar_geometry(pic, L, i);
    const char *color = i == pic->failed ? COLOR_BAR_FAILED
                      : above_fair(b, i) ? COLOR_BAR_HIGH : COLOR_BAR;
    sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
              L->bar_x, r.y, r.w, r.h, color);
    char fair[32];
    fmt_tenths(fair, sizeof(fair), b->fair[i]);
    sb_escape(sb, mname(pic, i), 64);
    sb_printf(sb, ": %d masters (fair share %s), %d replicas</title></rect>\n", b->masters[i], fair,
              b->replicas[i]);
    if (r.ew > 0)
        sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                  L->bar_x + r.w, r.y, r.ew, r.h, COLOR_EXTRA);
}

/* The count right of the bar, only when rows are tall enough to read it. */
static void draw_bar_label(struct sbuf *sb, const struct picture *pic, const struct layout *L,
                           int i)
{
    const struct ss_balance *b = pic->b;
    struct bar r = bar_geometry(pic, L, i);
    int tx = L->bar_x + r.w + r.ew + 4, ty = r.y + r.h / 2 + 4;
    if (i == pic->failed)
        sb_printf(sb, "<text class=\"val\" x=\"%d\" y=\"%d\">%d, fails</text>\n", tx, ty,
                  b->masters[i]);
    else if (pic->extra[i] > 0)
        sb_printf(sb, "<text class=\"val\" x=\"%d\" y=\"%d\">%d<tspan class=\"plus\">+%d</tspan>"
                      "</text>\n", tx, ty, b->masters[i], pic->extra[i]);
    else
        sb_printf(sb, "<text class=\"val\" x=\"%d\" y=\"%d\">%d</text>\n", tx, ty, b->masters[i]);
}

static void legend_item(struct sbuf *sb, int x, int y, const char *color, int dashed,
                        const char *label)
{
    if (dashed)
        sb_printf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                      "stroke-width=\"1.5\" stroke-dasharray=\"5,3\"/>\n",
                  x + 7, y - 2, x + 7, y + 12, color);
    else
        sb_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/>\n", x, y,
                  color);
    sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\">%s</text>\n", x + 20, y + 9, label);
}

static void draw_bars(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    draw_bar_axis(sb, pic, L);
    for (int i = 0; i < pic->n; i++)
        draw_bar(sb, pic, L, i);
    draw_fair(sb, pic, L);
    for (int i = 0; L->cell >= 12 && i < pic->n; i++)
        draw_bar_label(sb, pic, L, i);
    int x = L->bar_x, y = L->grid_y + L->grid + 30;
    legend_item(sb, x, y, COLOR_BAR, 0, "planned masters");
    for (int i = 0; i < pic->n; i++)
        if (above_fair(pic->b, i)) {
            legend_item(sb, x + 130, y, COLOR_BAR_HIGH, 0, "above fair share");
            break;
        }
    legend_item(sb, x, y + 18, COLOR_FAIR, 1, "fair share (by slots)");
    if (pic->failed < 0 || pic->p->copies < 2)
        return;
    legend_item(sb, x, y + 36, COLOR_EXTRA, 0, "");
    sb_printf(sb, "<text class=\"leg\" x=\"%d\" y=\"%d\">gained when ", x + 20, y + 45);
    sb_escape(sb, mname(pic, pic->failed), LABEL_MAX_CHARS);
    sb_printf(sb, " fails (busiest case)</text>\n");
}

static void draw_style(struct sbuf *sb, const struct layout *L)
{
    int nf = L->cell >= 24 ? 11 : 10;
    sb_printf(sb,
              "<style type=\"text/css\">\n"
              "text { font-family: %s; fill: #222222; }\n"
              ".title { font-size: 18px; font-weight: bold; }\n"
              ".sub { font-size: 13px; fill: #555555; }\n"
              ".cap { font-size: 14px; font-weight: bold; fill: #8a1c1c; }\n"
              ".axis { font-size: 12px; font-weight: bold; fill: #444444; }\n"
              ".lbl text { fill: #333333; }\n"
              ".leg { font-size: 11px; fill: #444444; }\n"
              ".val { font-size: 10px; fill: #333333; paint-order: stroke; stroke: #ffffff;"
              " stroke-width: 3px; stroke-linejoin: round; }\n"
              ".plus { fill: %s; font-weight: bold; }\n"
              ".cells rect { stroke: #ffffff; stroke-width: 1; }\n"
              ".num { font-size: %dpx; text-anchor: middle; fill: #1a1a1a; }\n"
              ".num.dark { fill: #ffffff; }\n"
              "</style>\n",
              FONT, COLOR_EXTRA, nf);
}

static void render(struct sbuf *sb, const struct picture *pic, const struct layout *L)
{
    sb_printf(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                  "height=\"%d\" viewBox=\"0 0 %d %d\">\n",
              L->width, L->height, L->width, L->height);
    draw_style(sb, L);
    draw_header(sb, pic, L);
    draw_matrix(sb, pic, L);
    draw_matrix_legend(sb, pic, L);
    draw_bars(sb, pic, L);
    sb_printf(sb, "</svg>\n");
}

int ss_svg_write(const struct ss_placement *p, const char *path, struct ss_error *err)
{
    if (p == NULL || p->topo == NULL || p->topo->nmachines <= 0)
        return ss_error_set(err, SS_ERR_INPUT, "%s: no machines to draw", path);
    struct ss_balance *b = ss_balance_compute(p, 0);
    struct picture pic;
    struct layout L;
    struct sbuf sb = {0};
    char *why = NULL;
    int rc = SS_OK;
    if (build_picture(&pic, p, b) != 0) {
        rc = ss_error_set(err, SS_ERR_RUNTIME, "%s: out of memory drawing the SVG", path);
        goto out;
    }
    compute_layout(&pic, &L);
    render(&sb, &pic, &L);
    if (sb.oom)
        rc = ss_error_set(err, SS_ERR_RUNTIME, "%s: out of memory drawing the SVG", path);
    else if (cli_write_atomic(path, sb.data, sb.len, &why) != 0)
        rc = ss_error_set(err, SS_ERR_RUNTIME, "%s", why);
out:
    g_free(why);
    free(pic.extra);
    free(sb.data);
    ss_balance_free(b);
    return rc;
}
