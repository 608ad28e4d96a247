/* FMI 2.0 Co-Simulation API of a native btwin FMU, over core.c.
 * Compiled against the FMI 2.0 headers fmpy ships (found at build time). */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "fmi2Functions.h"

typedef struct {
    Instance *core;
    fmi2CallbackFunctions host;
} Fmi2Instance;

/* The host prints the message as a printf format: '%' is doubled. */
static void relay(void *environment, const char *name, int status, const char *category, const char *message) {
    const fmi2CallbackFunctions *host = environment;
    char escaped[4096];
    size_t n = 0;
    for (const char *c = message; *c && n + 2 < sizeof escaped; c++) {
        if (*c == '%') escaped[n++] = '%';
        escaped[n++] = *c;
    }
    escaped[n] = '\0';
    host->logger(host->componentEnvironment, name, (fmi2Status)status, category, escaped);
}

#define CORE(c) (((Fmi2Instance *)(c))->core)
#define GUARD(c) if (!(c)) return fmi2Error

const char *fmi2GetTypesPlatform(void) { return fmi2TypesPlatform; }
const char *fmi2GetVersion(void) { return fmi2Version; }

fmi2Component fmi2Instantiate(fmi2String name, fmi2Type type, fmi2String guid, fmi2String resources,
                              const fmi2CallbackFunctions *functions, fmi2Boolean visible,
                              fmi2Boolean logging_on) {
    (void)resources;
    (void)visible;
    if (!functions || !functions->logger) return NULL;
    if (type != fmi2CoSimulation) {
        functions->logger(functions->componentEnvironment, name, fmi2Error, "logStatusError",
                          "fmi2Instantiate failed: %s is a Co-Simulation FMU only", native_model.name);
        return NULL;
    }
    Fmi2Instance *instance = calloc(1, sizeof *instance);
    if (!instance) return NULL;
    instance->host = *functions;
    instance->core = native_new(name, guid, relay, &instance->host, logging_on);
    if (!instance->core) {
        free(instance);
        return NULL;
    }
    return instance;
}

void fmi2FreeInstance(fmi2Component c) {
    if (!c) return;
    native_free(CORE(c));
    free(c);
}

fmi2Status fmi2SetDebugLogging(fmi2Component c, fmi2Boolean on, size_t n, const fmi2String categories[]) {
    (void)n;
    (void)categories;
    GUARD(c);
    native_set_logging(CORE(c), on);
    return fmi2OK;
}

fmi2Status fmi2SetupExperiment(fmi2Component c, fmi2Boolean has_tolerance, fmi2Real tolerance,
                               fmi2Real start, fmi2Boolean has_stop, fmi2Real stop) {
    (void)has_tolerance;
    (void)tolerance;
    (void)has_stop;
    (void)stop;
    GUARD(c);
    return (fmi2Status)native_enter_initialization(CORE(c), start);
}

fmi2Status fmi2EnterInitializationMode(fmi2Component c) {
    GUARD(c);
    return fmi2OK;
}

fmi2Status fmi2ExitInitializationMode(fmi2Component c) {
    GUARD(c);
    return (fmi2Status)native_exit_initialization(CORE(c), "exitInitializationMode");
}

fmi2Status fmi2Terminate(fmi2Component c) {
    GUARD(c);
    return (fmi2Status)native_terminate(CORE(c));
}

fmi2Status fmi2Reset(fmi2Component c) {
    GUARD(c);
    return (fmi2Status)native_reset(CORE(c));
}

/* ---- values: Integer and Boolean pass through the core as doubles ------- */
#define VALUES_IN(type, kind, what)                                                           \
    fmi2Status fmi2Set##type(fmi2Component c, const fmi2ValueReference vr[], size_t n,          \
                             const fmi2##type value[]) {                                        \
        GUARD(c);                                                                               \
        double *converted = malloc((n ? n : 1) * sizeof(double));                               \
        if (!converted) return fmi2Error;                                                       \
        for (size_t i = 0; i < n; i++) converted[i] = (double)value[i];                         \
        int status = native_set(CORE(c), what, kind, vr, n, converted);                         \
        free(converted);                                                                        \
        return (fmi2Status)status;                                                              \
    }
#define VALUES_OUT(type, kind, what, convert)                                                 \
    fmi2Status fmi2Get##type(fmi2Component c, const fmi2ValueReference vr[], size_t n,          \
                             fmi2##type value[]) {                                              \
        GUARD(c);                                                                               \
        for (size_t i = 0; i < n; i++) {                                                        \
            double v = 0.0;                                                                     \
            int status = native_get(CORE(c), what, kind, &vr[i], 1, &v);                        \
            if (status) return (fmi2Status)status;                                              \
            value[i] = convert;                                                                 \
        }                                                                                       \
        return fmi2OK;                                                                          \
    }

fmi2Status fmi2SetReal(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Real value[]) {
    GUARD(c);
    return (fmi2Status)native_set(CORE(c), "fmi2SetReal", KIND_REAL, vr, n, value);
}

fmi2Status fmi2GetReal(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Real value[]) {
    GUARD(c);
    return (fmi2Status)native_get(CORE(c), "fmi2GetReal", KIND_REAL, vr, n, value);
}

VALUES_IN(Integer, KIND_INTEGER, "fmi2SetInteger")
VALUES_IN(Boolean, KIND_BOOLEAN, "fmi2SetBoolean")
VALUES_OUT(Integer, KIND_INTEGER, "fmi2GetInteger", (fmi2Integer)v)
VALUES_OUT(Boolean, KIND_BOOLEAN, "fmi2GetBoolean", v != 0.0 ? fmi2True : fmi2False)

static fmi2Status no_strings(fmi2Component c, size_t n, const char *what) {
    GUARD(c);
    if (n == 0) return fmi2OK;
    native_log(CORE(c), NATIVE_ERROR, "%s failed: %s has no String variables", what, native_model.name);
    return fmi2Error;
}

fmi2Status fmi2SetString(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2String value[]) {
    (void)vr;
    (void)value;
    return no_strings(c, n, "fmi2SetString");
}

fmi2Status fmi2GetString(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2String value[]) {
    (void)vr;
    (void)value;
    return no_strings(c, n, "fmi2GetString");
}

/* ---- stepping ------------------------------------------------------------- */
fmi2Status fmi2DoStep(fmi2Component c, fmi2Real t, fmi2Real h, fmi2Boolean no_prior_state) {
    (void)no_prior_state;
    GUARD(c);
    return (fmi2Status)native_do_step(CORE(c), t, h);
}

fmi2Status fmi2CancelStep(fmi2Component c) {
    GUARD(c);
    return fmi2OK; /* steps are synchronous: nothing to cancel */
}

static fmi2Status unsupported(fmi2Component c, const char *what) {
    GUARD(c);
    native_log(CORE(c), NATIVE_ERROR, "%s is not supported by %s", what, native_model.name);
    return fmi2Error;
}

fmi2Status fmi2SetRealInputDerivatives(fmi2Component c, const fmi2ValueReference vr[], size_t n,
                                       const fmi2Integer order[], const fmi2Real value[]) {
    (void)vr, (void)n, (void)order, (void)value;
    return unsupported(c, "fmi2SetRealInputDerivatives (canInterpolateInputs is false)");
}

fmi2Status fmi2GetRealOutputDerivatives(fmi2Component c, const fmi2ValueReference vr[], size_t n,
                                        const fmi2Integer order[], fmi2Real value[]) {
    (void)vr, (void)n, (void)order, (void)value;
    return unsupported(c, "fmi2GetRealOutputDerivatives (maxOutputDerivativeOrder is 0)");
}

fmi2Status fmi2GetDirectionalDerivative(fmi2Component c, const fmi2ValueReference unknown[], size_t n_unknown,
                                        const fmi2ValueReference known[], size_t n_known,
                                        const fmi2Real seed[], fmi2Real sensitivity[]) {
    (void)unknown, (void)n_unknown, (void)known, (void)n_known, (void)seed, (void)sensitivity;
    return unsupported(c, "fmi2GetDirectionalDerivative (providesDirectionalDerivative is false)");
}

fmi2Status fmi2GetStatus(fmi2Component c, const fmi2StatusKind kind, fmi2Status *value) {
    (void)kind;
    GUARD(c);
    *value = fmi2OK;
    return fmi2OK;
}

fmi2Status fmi2GetRealStatus(fmi2Component c, const fmi2StatusKind kind, fmi2Real *value) {
    GUARD(c);
    if (kind != fmi2LastSuccessfulTime) return fmi2Discard;
    *value = native_time(CORE(c));
    return fmi2OK;
}

fmi2Status fmi2GetIntegerStatus(fmi2Component c, const fmi2StatusKind kind, fmi2Integer *value) {
    (void)kind, (void)value;
    GUARD(c);
    return fmi2Discard;
}

fmi2Status fmi2GetBooleanStatus(fmi2Component c, const fmi2StatusKind kind, fmi2Boolean *value) {
    GUARD(c);
    if (kind != fmi2Terminated) return fmi2Discard;
    *value = fmi2False;
    return fmi2OK;
}

fmi2Status fmi2GetStringStatus(fmi2Component c, const fmi2StatusKind kind, fmi2String *value) {
    (void)kind, (void)value;
    GUARD(c);
    return fmi2Discard;
}

/* ---- FMU states ------------------------------------------------------------ */
fmi2Status fmi2GetFMUstate(fmi2Component c, fmi2FMUstate *state) {
    GUARD(c);
    return (fmi2Status)native_get_state(CORE(c), state);
}

fmi2Status fmi2SetFMUstate(fmi2Component c, fmi2FMUstate state) {
    GUARD(c);
    return (fmi2Status)native_set_state(CORE(c), state);
}

fmi2Status fmi2FreeFMUstate(fmi2Component c, fmi2FMUstate *state) {
    GUARD(c);
    return (fmi2Status)native_free_state(CORE(c), state);
}

fmi2Status fmi2SerializedFMUstateSize(fmi2Component c, fmi2FMUstate state, size_t *size) {
    (void)state;
    GUARD(c);
    *size = native_state_size(CORE(c));
    return fmi2OK;
}

fmi2Status fmi2SerializeFMUstate(fmi2Component c, fmi2FMUstate state, fmi2Byte bytes[], size_t size) {
    GUARD(c);
    return (fmi2Status)native_serialize(CORE(c), state, bytes, size);
}

fmi2Status fmi2DeSerializeFMUstate(fmi2Component c, const fmi2Byte bytes[], size_t size, fmi2FMUstate *state) {
    GUARD(c);
    return (fmi2Status)native_deserialize(CORE(c), bytes, size, state);
}
