/* http: the request and response types handlers see, independent of the server
 * library underneath (libmicrohttpd, in server.c).
 *
 * A handler gets a request whose strings are borrowed for the request's lifetime
 * and an arena freed when the response has been sent; it fills the response with
 * one of the http_res_* calls. Errors always go out as
 * {"error":{"code":"...","message":"..."}} through http_res_error. */
#ifndef EM_HTTP_HTTP_H
#define EM_HTTP_HTTP_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/jsonw.h"

#define HTTP_MAX_PARAMS 8
#define HTTP_REQUEST_ID_MAX 128

typedef struct http_param {
    const char *name;    /* borrowed from the route pattern */
    const char *value;   /* percent-decoded, in the request arena */
} http_param;

typedef struct http_res http_res;

typedef struct http_req {
    const char *method;             /* "GET", "POST", ... */
    const char *path;               /* URL path without the query string */
    arena *arena;                   /* freed when the response is done */
    const char *body;               /* NUL-terminated copy of the body, "" when none */
    size_t body_len;
    http_param params[HTTP_MAX_PARAMS]; /* path parameters from the route pattern */
    int nparams;
    char request_id[HTTP_REQUEST_ID_MAX + 1]; /* X-Request-Id given (if well-formed) or generated */
    void *app;                      /* the application context given to the server */
    void *conn;                     /* internal: the server library's connection */
} http_req;

typedef void (*http_handler)(http_req *req, http_res *res);

/* ---- request accessors (results borrowed for the request's lifetime, NULL when absent) ---- */
const char *http_req_header(const http_req *req, const char *name);
const char *http_req_query(const http_req *req, const char *name);
const char *http_req_param(const http_req *req, const char *name);

/* Parse the body as a JSON value. On success *out is an owned reference (free
 * with json_decref). On failure the response is already filled (400
 * "invalid_json" with line and column, or 415 when Content-Type is not JSON)
 * and EM_E_PARSE is returned. */
int http_req_json(http_req *req, json_t **out /* OUT */, http_res *res);

/* ---- responses ---- */
/* JSON body; the reference to `body` is stolen. */
void http_res_json(http_res *res, int status, json_t *body);
/* The text a jsonw wrote into its buf, which is emptied (its content becomes
 * the body). An incomplete document (jsonw_finish fails) is logged and answered
 * 500. */
void http_res_jsonw(http_res *res, int status, jsonw *w);
/* {"error":{"code":code,"message":...}}; message is printf-style. */
void http_res_error(http_res *res, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Raw body, copied. */
void http_res_body(http_res *res, int status, const char *content_type, const char *data, size_t len);
/* Add a header (name and value copied). */
void http_res_header(http_res *res, const char *name, const char *value);
int http_res_status(const http_res *res);

/* Map an em_err code to the HTTP status and error code used for it. */
int http_status_for(int rc, const char **code /* OUT */);

#endif
