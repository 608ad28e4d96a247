/* The model-independent core of btwin's native FMUs; see core.h. */
#include "core.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MARKER 0x627477696e535431ULL /* "btwinST1" */

/* Everything that evolves; an FMU state is a copy of it. */
typedef struct {
    uint64_t marker;
    uint64_t token_hash;
    int32_t n_values, n_x;
    double time;
    int32_t initialized, have_model, outputs_stale, terminated;
    double data[];         /* the variables' values, then the model state x */
} Snapshot;

struct Instance {
    const NativeModel *m;
    char name[256];
    NativeLogger logger;
    void *environment;
    int logging_on;
    Snapshot *now;         /* values, x, time, flags */
    double *values, *x;    /* into now->data */
    double *x_next, *u, *p, *y, *checks;
    long long int *iw;
    double *w;
    const double **arg;
    double **res;
};

/* ---- small helpers ------------------------------------------------------ */
static uint64_t hash_text(const char *text) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *text; text++) h = (h ^ (unsigned char)*text) * 1099511628211ULL;
    return h;
}

/* A float as Python's repr writes it (the Python FMUs' messages use repr). */
static void python_repr(double value, char *out, size_t size) {
    if (isnan(value)) { snprintf(out, size, "nan"); return; }
    if (isinf(value)) { snprintf(out, size, value > 0 ? "inf" : "-inf"); return; }
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(out, size, "%.*e", digits - 1, value);
        if (strtod(out, NULL) == value) break;
    }
    int exponent = value == 0.0 ? 0 : (int)floor(log10(fabs(value)));
    if (exponent >= -4 && exponent < 16) {
        int decimals = digits - 1 - exponent;
        snprintf(out, size, "%.*f", decimals > 0 ? decimals : 0, value);
        if (!strchr(out, '.')) strncat(out, ".0", size - strlen(out) - 1);
    } else {
        char mantissa[64];
        snprintf(mantissa, sizeof mantissa, "%.*e", digits - 1, value);
        char *e = strchr(mantissa, 'e');
        int power = atoi(e + 1);
        *e = '\0';
        snprintf(out, size, "%se%c%02d", mantissa, power < 0 ? '-' : '+', abs(power));
    }
}

static void value_repr(const NativeVariable *v, double value, char *out, size_t size) {
    if (v->kind == KIND_REAL) python_repr(value, out, size);
    else if (v->kind == KIND_BOOLEAN) snprintf(out, size, value != 0.0 ? "True" : "False");
    else snprintf(out, size, "%lld", (long long)value);
}

static const char *causality(const NativeVariable *v) {
    static const char *names[] = {"parameter", "input", "output"};
    return names[v->role];
}

void native_log(Instance *instance, int status, const char *format, ...) {
    if (!instance->logger || (status < NATIVE_WARNING && !instance->logging_on)) return;
    char text[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    static const char *categories[] = {"logAll", "logStatusWarning", "logStatusDiscard",
                                       "logStatusError", "logStatusFatal"};
    instance->logger(instance->environment, instance->name, status, categories[status], text);
}

static int fail(Instance *instance, const char *what, const char *format, ...) {
    char text[1536];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    native_log(instance, NATIVE_ERROR, "%s failed: %s", what, text);
    return NATIVE_ERROR;
}

static int all_finite(const double *values, int n) {
    for (int i = 0; i < n; i++)
        if (!isfinite(values[i])) return 0;
    return 1;
}

/* ---- evaluating the generated functions -------------------------------- */
static int call(Instance *instance, const NativeFunction *f, const double **arg, double **res) {
    memcpy(instance->arg, arg, 4 * sizeof *arg);
    memcpy(instance->res, res, 3 * sizeof *res);
    return f->eval(instance->arg, instance->res, instance->iw, instance->w, 0);
}

static void gather(Instance *instance) {
    const NativeModel *m = instance->m;
    for (int i = 0; i < m->n_variables; i++) {
        const NativeVariable *v = &m->variables[i];
        if (v->slot < 0) continue;
        if (v->role == ROLE_PARAMETER) instance->p[v->slot] = instance->values[i];
        else if (v->role == ROLE_INPUT) instance->u[v->slot] = instance->values[i];
    }
}

static void scatter_outputs(Instance *instance, const double *y) {
    const NativeModel *m = instance->m;
    for (int i = 0; i < m->n_variables; i++) {
        const NativeVariable *v = &m->variables[i];
        if (v->role == ROLE_OUTPUT && v->slot >= 0) instance->values[i] = y[v->slot];
    }
}

static int check_parameters(Instance *instance, const char *what) {
    const NativeModel *m = instance->m;
    for (int i = 0; i < m->n_variables; i++) {
        const NativeVariable *v = &m->variables[i];
        if (v->role == ROLE_PARAMETER && v->positive && !(instance->values[i] > 0.0)) {
            char text[64];
            value_repr(v, instance->values[i], text, sizeof text);
            return fail(instance, what, "%s must be > 0, got %s", v->name, text);
        }
    }
    return NATIVE_OK;
}

/* The limit on variable ``index`` that follows from the parameters, or NULL. */
static const NativeLimit *limit_of(const Instance *instance, int index) {
    for (int i = 0; i < instance->m->n_limits; i++)
        if (instance->m->limits[i].input == index) return &instance->m->limits[i];
    return NULL;
}

static int check_limit(Instance *instance, const char *what, int index, double value) {
    const NativeLimit *limit = limit_of(instance, index);
    if (!limit) return NATIVE_OK;
    const NativeVariable *v = &instance->m->variables[index];
    double a = instance->values[limit->a], b = instance->values[limit->b];
    double largest = limit->factor * a * b;
    if (value >= -largest && value <= largest) return NATIVE_OK;
    char text[64], bound[64], basis[256];
    python_repr(value, text, sizeof text);
    python_repr(value < 0 ? -largest : largest, bound, sizeof bound);
    snprintf(basis, sizeof basis, limit->basis, a, b);
    return fail(instance, what, "%s %s = %s %s is %s its limit %s %s (%s)", causality(v), v->name, text,
                v->unit, value < 0 ? "below" : "above", bound, v->unit, basis);
}

/* Outputs of the present state and inputs; NATIVE_ERROR if not finite. */
static int evaluate_outputs(Instance *instance, const char *what) {
    gather(instance);
    const double *arg[4] = {instance->x, instance->u, instance->p, NULL};
    double *res[3] = {instance->y, NULL, NULL};
    if (call(instance, &instance->m->outputs, arg, res) || !all_finite(instance->y, instance->m->n_y))
        return fail(instance, what, "the outputs are not finite numbers for this state and these inputs");
    scatter_outputs(instance, instance->y);
    instance->now->outputs_stale = 0;
    return NATIVE_OK;
}

/* Build the model's state from the parameters, as the Python FMUs do when
 * initialization ends or an output is first read. */
static int ensure_model(Instance *instance, const char *what) {
    if (instance->now->have_model) return NATIVE_OK;
    if (check_parameters(instance, what)) return NATIVE_ERROR;
    for (int i = 0; i < instance->m->n_limits; i++) {
        int index = instance->m->limits[i].input;
        if (check_limit(instance, what, index, instance->values[index])) return NATIVE_ERROR;
    }
    gather(instance);
    const double *arg[4] = {instance->p, NULL, NULL, NULL};
    double *res[3] = {instance->x, NULL, NULL};
    if (call(instance, &instance->m->initial_state, arg, res) || !all_finite(instance->x, instance->m->n_x))
        return fail(instance, what, "the initial state is not finite for these parameters");
    instance->now->have_model = 1;
    return evaluate_outputs(instance, what);
}

/* ---- life cycle ---------------------------------------------------------- */
static void start_values(Instance *instance) {
    const NativeModel *m = instance->m;
    for (int i = 0; i < m->n_variables; i++)
        instance->values[i] = m->variables[i].role == ROLE_OUTPUT ? 0.0 : m->variables[i].start;
    instance->now->time = 0.0;
    instance->now->initialized = 0;
    instance->now->have_model = 0;
    instance->now->outputs_stale = 1;
    instance->now->terminated = 0;
}

static size_t snapshot_bytes(const NativeModel *m) {
    return sizeof(Snapshot) + (size_t)(m->n_variables + m->n_x) * sizeof(double);
}

Instance *native_new(const char *name, const char *token, NativeLogger logger, void *environment,
                     int logging_on) {
    const NativeModel *m = &native_model;
    Instance probe = {.m = m, .logger = logger, .environment = environment, .logging_on = 1};
    snprintf(probe.name, sizeof probe.name, "%s", name ? name : m->name);
    if (token && *token && strcmp(token, m->token)) {
        native_log(&probe, NATIVE_ERROR, "instantiation failed: the token/GUID '%s' is not this FMU's "
                   "('%s'); was the modelDescription.xml of another build used?", token, m->token);
        return NULL;
    }
    Instance *instance = calloc(1, sizeof *instance);
    if (!instance) return NULL;
    *instance = probe;
    instance->logging_on = logging_on;
    long long int n_arg = 0, n_res = 0, n_iw = 0, n_w = 0;
    const NativeFunction *functions[] = {&m->initial_state, &m->step, &m->outputs};
    for (int i = 0; i < 3; i++) {
        long long int a, r, iw, w;
        functions[i]->work(&a, &r, &iw, &w);
        if (a > n_arg) n_arg = a;
        if (r > n_res) n_res = r;
        if (iw > n_iw) n_iw = iw;
        if (w > n_w) n_w = w;
    }
    if (n_arg < 4) n_arg = 4;
    if (n_res < 3) n_res = 3;
    instance->now = calloc(1, snapshot_bytes(m));
    instance->x_next = calloc((size_t)m->n_x + 1, sizeof(double));
    instance->u = calloc((size_t)m->n_u + 1, sizeof(double));
    instance->p = calloc((size_t)m->n_p + 1, sizeof(double));
    instance->y = calloc((size_t)m->n_y + 1, sizeof(double));
    instance->checks = calloc((size_t)m->n_checks + 1, sizeof(double));
    instance->iw = calloc((size_t)n_iw + 1, sizeof(long long int));
    instance->w = calloc((size_t)n_w + 1, sizeof(double));
    instance->arg = calloc((size_t)n_arg, sizeof(double *));
    instance->res = calloc((size_t)n_res, sizeof(double *));
    if (!instance->now || !instance->x_next || !instance->u || !instance->p || !instance->y ||
        !instance->checks || !instance->iw || !instance->w || !instance->arg || !instance->res) {
        native_log(instance, NATIVE_ERROR, "instantiation failed: out of memory");
        native_free(instance);
        return NULL;
    }
    instance->now->marker = STATE_MARKER;
    instance->now->token_hash = hash_text(m->token);
    instance->now->n_values = m->n_variables;
    instance->now->n_x = m->n_x;
    instance->values = instance->now->data;
    instance->x = instance->now->data + m->n_variables;
    start_values(instance);
    return instance;
}

void native_free(Instance *instance) {
    if (!instance) return;
    free(instance->now);
    free(instance->x_next);
    free(instance->u);
    free(instance->p);
    free(instance->y);
    free(instance->checks);
    free(instance->iw);
    free(instance->w);
    free(instance->arg);
    free(instance->res);
    free(instance);
}

void native_set_logging(Instance *instance, int on) { instance->logging_on = on; }

double native_time(const Instance *instance) { return instance->now->time; }

int native_reset(Instance *instance) {
    start_values(instance);
    return NATIVE_OK;
}

int native_terminate(Instance *instance) {
    instance->now->terminated = 1;
    return NATIVE_OK;
}

int native_enter_initialization(Instance *instance, double start_time) {
    instance->now->time = start_time;
    return NATIVE_OK;
}

int native_exit_initialization(Instance *instance, const char *what) {
    if (ensure_model(instance, what)) return NATIVE_ERROR;
    instance->now->initialized = 1;
    return NATIVE_OK;
}

/* ---- values -------------------------------------------------------------- */
static const char *kind_name(int kind) {
    static const char *names[] = {"Real", "Integer", "Boolean"};
    return names[kind];
}

/* The message of a refused value, as the Python FMUs word it. */
static int refuse_value(Instance *instance, const char *what, const NativeVariable *v, double value,
                        const char *problem, double bound) {
    char text[64], limit[64];
    value_repr(v, value, text, sizeof text);
    value_repr(v, bound, limit, sizeof limit);
    const char *gap = v->kind == KIND_REAL ? " " : "", *unit = v->kind == KIND_REAL ? v->unit : "";
    if (!strcmp(problem, "not finite"))
        return fail(instance, what, "%s %s = %s is not a finite number", causality(v), v->name, text);
    if (!strcmp(problem, "compiled"))
        return fail(instance, what, "parameter %s = %s%s%s: this native FMU has %s compiled in (its "
                    "discretisation depends on it); use the Python FMU for another value",
                    v->name, text, gap, unit, limit);
    return fail(instance, what, "%s %s = %s%s%s is %s %s", causality(v), v->name, text, gap, unit, problem,
                limit);
}

static int check_value(Instance *instance, const char *what, const NativeVariable *v, double value) {
    if (v->kind == KIND_REAL && !isfinite(value))
        return refuse_value(instance, what, v, value, "not finite", 0.0);
    if (v->kind == KIND_BOOLEAN) return NATIVE_OK;
    if (v->has_min && value < v->min)
        return refuse_value(instance, what, v, value, "below its minimum", v->min);
    if (v->has_max && value > v->max)
        return refuse_value(instance, what, v, value, "above its maximum", v->max);
    if (v->compiled && value != v->start) return refuse_value(instance, what, v, value, "compiled", v->start);
    return NATIVE_OK;
}

/* The variable of a value reference, or NULL (logged) if there is none of this kind. */
static const NativeVariable *lookup(Instance *instance, const char *what, int kind, unsigned int vr) {
    if (vr >= (unsigned int)instance->m->n_variables) {
        fail(instance, what, "no variable has value reference %u", vr);
        return NULL;
    }
    const NativeVariable *v = &instance->m->variables[vr];
    if (v->kind == kind) return v;
    fail(instance, what, "%s is a %s variable, not a %s", v->name, kind_name(v->kind), kind_name(kind));
    return NULL;
}

int native_set(Instance *instance, const char *what, int kind, const unsigned int *vr, size_t n,
               const double *values) {
    for (size_t k = 0; k < n; k++) { /* every value first: a refused call changes nothing */
        const NativeVariable *v = lookup(instance, what, kind, vr[k]);
        if (!v) return NATIVE_ERROR;
        if (v->role == ROLE_OUTPUT)
            return fail(instance, what, "%s is an output and cannot be set", v->name);
        if (v->role == ROLE_PARAMETER && instance->now->initialized)
            return fail(instance, what, "parameter %s is fixed after initialization", v->name);
        if (check_value(instance, what, v, values[k])) return NATIVE_ERROR;
        if (instance->now->have_model && check_limit(instance, what, (int)vr[k], values[k])) return NATIVE_ERROR;
    }
    for (size_t k = 0; k < n; k++) {
        const NativeVariable *v = &instance->m->variables[vr[k]];
        instance->values[vr[k]] = kind == KIND_BOOLEAN ? (values[k] != 0.0) : values[k];
        if (v->role == ROLE_INPUT) instance->now->outputs_stale = 1;
        if (v->role == ROLE_PARAMETER) instance->now->have_model = 0;
    }
    return NATIVE_OK;
}

int native_get(Instance *instance, const char *what, int kind, const unsigned int *vr, size_t n,
               double *values) {
    const NativeModel *m = instance->m;
    int status = NATIVE_OK;
    for (size_t k = 0; k < n && status == NATIVE_OK; k++) {
        if (vr[k] == (unsigned int)m->n_variables && kind == KIND_REAL) continue; /* time */
        const NativeVariable *v = lookup(instance, what, kind, vr[k]);
        if (!v) return NATIVE_ERROR;
        if (v->role == ROLE_OUTPUT) {
            status = ensure_model(instance, what);
            if (!status && instance->now->outputs_stale) status = evaluate_outputs(instance, what);
        }
    }
    for (size_t k = 0; k < n; k++)
        values[k] = vr[k] == (unsigned int)m->n_variables ? instance->now->time : instance->values[vr[k]];
    return status;
}

/* ---- the step -------------------------------------------------------------- */
static int refused(Instance *instance, double host_time, double h) {
    double t = instance->now->time;
    const NativeModel *m = instance->m;
    for (int i = 0; i < m->n_checks; i++) {
        const NativeCheck *c = &m->checks[i];
        double value = instance->checks[i];
        const char *format = !(value > c->low) ? c->below : !(value < c->high) ? c->above : NULL;
        if (!format) continue;
        char text[1024];
        snprintf(text, sizeof text, format, value);
        native_log(instance, NATIVE_DISCARD, "step at t=%g s rejected: step from t = %.6g s to t = %.6g s "
                   "would %s", host_time, t, t + h, text);
        return 1;
    }
    return 0;
}

/* Refusals before the model steps; the message prefix is written only then. */
static int cannot_step(Instance *instance, double t, double h) {
    int bad_step = !(h > 0.0) || !isfinite(h);
    if (!bad_step && !instance->now->terminated && instance->now->initialized && instance->now->have_model)
        return NATIVE_OK;
    char what[64], text[64];
    snprintf(what, sizeof what, "step at t=%g s", t);
    if (bad_step) {
        python_repr(h, text, sizeof text);
        return fail(instance, what, "communication step size must be positive, got %s", text);
    }
    if (instance->now->terminated)
        return fail(instance, what, "DoStep after Terminate; only FreeInstance is allowed now");
    if (!instance->now->initialized)
        return fail(instance, what, "DoStep before initialization; call EnterInitializationMode and "
                    "ExitInitializationMode first");
    return ensure_model(instance, what);
}

int native_do_step(Instance *instance, double t, double h) {
    if (cannot_step(instance, t, h)) return NATIVE_ERROR;
    gather(instance);
    const NativeModel *m = instance->m;
    const double *arg[4] = {instance->x, instance->u, instance->p, &h};
    double *res[3] = {instance->x_next, instance->y, instance->checks};
    int failed = call(instance, &m->step, arg, res);
    if (!failed && refused(instance, t, h)) return NATIVE_DISCARD;
    if (failed || !all_finite(instance->x_next, m->n_x) || !all_finite(instance->y, m->n_y)) {
        native_log(instance, NATIVE_ERROR, "step at t=%g s failed: the model produced a value that is not "
                   "a finite number; step refused, state unchanged", t);
        return NATIVE_ERROR;
    }
    memcpy(instance->x, instance->x_next, (size_t)m->n_x * sizeof(double));
    scatter_outputs(instance, instance->y);
    instance->now->outputs_stale = 0;
    instance->now->time += h;
    return NATIVE_OK;
}

/* ---- FMU states ---------------------------------------------------------------- */
size_t native_state_size(const Instance *instance) { return snapshot_bytes(instance->m); }

int native_get_state(Instance *instance, void **state) {
    if (!state) return fail(instance, "GetFMUstate", "no place to put the state");
    if (!*state) *state = malloc(native_state_size(instance));
    if (!*state) return fail(instance, "GetFMUstate", "out of memory");
    memcpy(*state, instance->now, native_state_size(instance));
    return NATIVE_OK;
}

static int valid_snapshot(const Instance *instance, const Snapshot *s) {
    return s->marker == STATE_MARKER && s->token_hash == instance->now->token_hash &&
           s->n_values == instance->m->n_variables && s->n_x == instance->m->n_x &&
           all_finite(s->data, s->n_values + s->n_x);
}

int native_set_state(Instance *instance, const void *state) {
    if (!state || !valid_snapshot(instance, state))
        return fail(instance, "SetFMUstate", "the state is not one of this FMU (%s)", instance->m->name);
    memcpy(instance->now, state, native_state_size(instance));
    return NATIVE_OK;
}

int native_free_state(Instance *instance, void **state) {
    (void)instance;
    if (state) {
        free(*state);
        *state = NULL;
    }
    return NATIVE_OK;
}

int native_serialize(Instance *instance, const void *state, char *bytes, size_t size) {
    if (!state || size < native_state_size(instance))
        return fail(instance, "SerializeFMUstate", "the buffer holds %zu bytes, the state needs %zu",
                    size, native_state_size(instance));
    memcpy(bytes, state, native_state_size(instance));
    return NATIVE_OK;
}

int native_deserialize(Instance *instance, const char *bytes, size_t size, void **state) {
    if (size != native_state_size(instance))
        return fail(instance, "DeSerializeFMUstate", "%zu bytes are not a state of this FMU (%s), "
                    "which has %zu", size, instance->m->name, native_state_size(instance));
    Snapshot *copy = malloc(size);
    if (!copy) return fail(instance, "DeSerializeFMUstate", "out of memory");
    memcpy(copy, bytes, size);
    if (!valid_snapshot(instance, copy)) {
        free(copy);
        return fail(instance, "DeSerializeFMUstate", "the bytes are not a state of this FMU (%s)",
                    instance->m->name);
    }
    free(*state);
    *state = copy;
    return NATIVE_OK;
}
