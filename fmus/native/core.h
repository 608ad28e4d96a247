/*
 * The model-independent core of btwin's native FMUs (no Python, no CasADi,
 * only libc and libm at run time).
 *
 * A native FMU is three pieces of C compiled into one shared library:
 *   - the functions CasADi generates from a model's SteppedForm
 *     (initial_state, step, outputs; see models/stepped_form.py);
 *   - a table written by `btwin build --native` (fmus/native/table.py): the
 *     FMU's variables (value reference = index in the table), which slot of the
 *     form's parameter, input or output vector each one is, and the checks a
 *     step must pass;
 *   - this core, which holds one instance (values, state, time), checks every
 *     value set against its declared bounds with the Python FMUs' messages,
 *     steps the model, refuses a step whose checks fail (discard, state
 *     unchanged) and saves, restores and serializes the whole state; and one
 *     API layer (fmi2.c or fmi3.c) that maps an FMI version onto the core.
 *
 * Statuses are the common numbering of FMI 2.0 and 3.0: OK 0, warning 1,
 * discard 2, error 3, fatal 4.
 */
#ifndef BTWIN_NATIVE_CORE_H
#define BTWIN_NATIVE_CORE_H

#include <stddef.h>

enum { NATIVE_OK = 0, NATIVE_WARNING = 1, NATIVE_DISCARD = 2, NATIVE_ERROR = 3, NATIVE_FATAL = 4 };
enum { KIND_REAL, KIND_INTEGER, KIND_BOOLEAN };
enum { ROLE_PARAMETER, ROLE_INPUT, ROLE_OUTPUT };

/* The signatures of CasADi's generated C (casadi_int is long long int) */
typedef int (*CasadiEval)(const double **arg, double **res, long long int *iw, double *w, int mem);
typedef int (*CasadiWork)(long long int *n_arg, long long int *n_res, long long int *n_iw, long long int *n_w);

typedef struct {
    CasadiEval eval;
    CasadiWork work;
} NativeFunction;

typedef struct {
    const char *name;
    const char *unit;      /* "" for Integer and Boolean */
    int kind;
    int role;
    int slot;              /* entry of the form's parameter/input/output vector; -1: none */
    double start;
    int has_min, has_max;
    double min, max;
    int compiled;          /* a parameter compiled into the model: only its start value is accepted */
    int positive;          /* a parameter that must be > 0 */
} NativeVariable;

typedef struct {
    double low, high;      /* the new state is valid while low < value < high */
    const char *below;     /* printf formats of the value, after "step from t = .. to t = .. would " */
    const char *above;
} NativeCheck;

/* |input| <= factor x parameter a x parameter b, once the model exists (the
 * Python FMUs' input_limits); basis: printf format of (a, b) for the message */
typedef struct {
    int input, a, b;       /* variable indices */
    double factor;
    const char *basis;
} NativeLimit;

typedef struct {
    const char *name;      /* model identifier */
    const char *token;     /* GUID / instantiation token */
    int n_variables;
    const NativeVariable *variables;
    int n_x, n_u, n_p, n_y, n_checks;
    const NativeCheck *checks;
    int n_limits;
    const NativeLimit *limits;
    NativeFunction initial_state, step, outputs;
} NativeModel;

extern const NativeModel native_model;

typedef void (*NativeLogger)(void *environment, const char *instance, int status,
                             const char *category, const char *message);

typedef struct Instance Instance;

Instance *native_new(const char *name, const char *token, NativeLogger logger, void *environment,
                     int logging_on);
void native_free(Instance *instance);
void native_set_logging(Instance *instance, int on);
int native_set(Instance *instance, const char *what, int kind, const unsigned int *vr, size_t n,
               const double *values);
int native_get(Instance *instance, const char *what, int kind, const unsigned int *vr, size_t n,
               double *values);
int native_enter_initialization(Instance *instance, double start_time);
int native_exit_initialization(Instance *instance, const char *what);
int native_do_step(Instance *instance, double t, double h);
int native_reset(Instance *instance);
int native_terminate(Instance *instance);
double native_time(const Instance *instance);
void native_log(Instance *instance, int status, const char *format, ...);

/* FMU states: an opaque copy of everything that evolves */
int native_get_state(Instance *instance, void **state);
int native_set_state(Instance *instance, const void *state);
int native_free_state(Instance *instance, void **state);
size_t native_state_size(const Instance *instance);
int native_serialize(Instance *instance, const void *state, char *bytes, size_t size);
int native_deserialize(Instance *instance, const char *bytes, size_t size, void **state);

#endif
