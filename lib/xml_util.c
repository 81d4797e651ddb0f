/* xml_util.c - see xml_util.h. */
#include "xml_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

char *ss_xml_prop(xmlNodePtr n, const char *name, const char *def)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    const char *s = v ? (const char *)v : def;
    char *copy = s ? strdup(s) : NULL;
    xmlFree(v);
    if (s && !copy)
        abort();
    return copy;
}

int ss_xml_prop_is(xmlNodePtr n, const char *name, const char *value)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    int same = v != NULL && strcmp((const char *)v, value) == 0;
    xmlFree(v);
    return same;
}

xmlNodePtr ss_xml_child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)name))
            return c;
    return NULL;
}

static void dump_or_abort(xmlBufferPtr buf, xmlNodePtr n)
{
    if (buf == NULL || xmlNodeDump(buf, n->doc, n, 0, 0) < 0)
        abort();
}

int ss_xml_same_text(xmlNodePtr a, xmlNodePtr b)
{
    if (a == NULL || b == NULL)
        return 0;
    xmlBufferPtr x = xmlBufferCreate(), y = xmlBufferCreate();
    dump_or_abort(x, a);
    dump_or_abort(y, b);
    int same = xmlBufferLength(x) == xmlBufferLength(y) &&
               memcmp(xmlBufferContent(x), xmlBufferContent(y), (size_t)xmlBufferLength(x)) == 0;
    xmlBufferFree(x);
    xmlBufferFree(y);
    return same;
}

char *ss_xml_temp_file(xmlNodePtr n, const char *pattern, char **why)
{
    GError *gerr = NULL;
    char *path = NULL;
    *why = NULL;
    int fd = g_file_open_tmp(pattern, &path, &gerr);
    if (fd < 0) {
        *why = g_strdup_printf("cannot create a temporary file: %s", gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    close(fd);
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf == NULL || xmlNodeDump(buf, n->doc, n, 0, 1) < 0 || xmlBufferCCat(buf, "\n") != 0)
        abort();
    /* glib writes it whole (or says why); 0600: a CIB may hold fencing passwords */
    int ok = g_file_set_contents_full(path, (const char *)xmlBufferContent(buf),
                                      xmlBufferLength(buf), G_FILE_SET_CONTENTS_NONE, 0600, &gerr);
    xmlBufferFree(buf);
    if (ok)
        return path;
    *why = g_strdup_printf("cannot write %s: %s", path, gerr->message);
    g_error_free(gerr);
    unlink(path);
    g_free(path);
    return NULL;
}
