/* FMI 3.0 Co-Simulation API of a native btwin FMU, over core.c.
 * Compiled against the FMI 3.0 headers fmpy ships (found at build time).
 * Every function of the standard is exported (importers resolve them all);
 * those a co-simulation FMU without clocks, events or derivatives does not
 * offer log an error and return fmi3Error. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "fmi3Functions.h"

typedef struct {
    Instance *core;
    fmi3InstanceEnvironment environment;
    fmi3LogMessageCallback log;
} Fmi3Instance;

static void relay(void *environment, const char *name, int status, const char *category, const char *message) {
    (void)name;
    const Fmi3Instance *instance = environment;
    instance->log(instance->environment, (fmi3Status)status, category, message);
}

#define CORE(c) (((Fmi3Instance *)(c))->core)
#define GUARD(c) if (!(c)) return fmi3Error

static fmi3Status unsupported(fmi3Instance instance, const char *what) {
    GUARD(instance);
    native_log(CORE(instance), NATIVE_ERROR, "%s is not supported by %s (a Co-Simulation FMU without "
               "clocks, events or derivatives)", what, native_model.name);
    return fmi3Error;
}

const char *fmi3GetVersion(void) { return fmi3Version; }

fmi3Status fmi3SetDebugLogging(fmi3Instance instance, fmi3Boolean on, size_t n, const fmi3String categories[]) {
    (void)n, (void)categories;
    GUARD(instance);
    native_set_logging(CORE(instance), on);
    return fmi3OK;
}

fmi3Instance fmi3InstantiateCoSimulation(fmi3String name, fmi3String token, fmi3String resources,
                                         fmi3Boolean visible, fmi3Boolean logging_on, fmi3Boolean event_mode,
                                         fmi3Boolean early_return, const fmi3ValueReference required[],
                                         size_t n_required, fmi3InstanceEnvironment environment,
                                         fmi3LogMessageCallback log, fmi3IntermediateUpdateCallback update) {
    (void)resources, (void)visible, (void)event_mode, (void)early_return, (void)required, (void)n_required,
        (void)update;
    if (!log) return NULL;
    Fmi3Instance *instance = calloc(1, sizeof *instance);
    if (!instance) return NULL;
    instance->environment = environment;
    instance->log = log;
    instance->core = native_new(name, token, relay, instance, logging_on);
    if (!instance->core) {
        free(instance);
        return NULL;
    }
    return instance;
}

fmi3Instance fmi3InstantiateModelExchange(fmi3String name, fmi3String token, fmi3String resources,
                                          fmi3Boolean visible, fmi3Boolean logging_on,
                                          fmi3InstanceEnvironment environment, fmi3LogMessageCallback log) {
    (void)name, (void)token, (void)resources, (void)visible, (void)logging_on;
    if (log) log(environment, fmi3Error, "logStatusError", "fmi3InstantiateModelExchange failed: this is a "
                 "Co-Simulation FMU only");
    return NULL;
}

fmi3Instance fmi3InstantiateScheduledExecution(fmi3String name, fmi3String token, fmi3String resources,
                                               fmi3Boolean visible, fmi3Boolean logging_on,
                                               fmi3InstanceEnvironment environment, fmi3LogMessageCallback log,
                                               fmi3ClockUpdateCallback clock, fmi3LockPreemptionCallback lock,
                                               fmi3UnlockPreemptionCallback unlock) {
    (void)name, (void)token, (void)resources, (void)visible, (void)logging_on, (void)clock, (void)lock,
        (void)unlock;
    if (log) log(environment, fmi3Error, "logStatusError", "fmi3InstantiateScheduledExecution failed: this "
                 "is a Co-Simulation FMU only");
    return NULL;
}

void fmi3FreeInstance(fmi3Instance instance) {
    if (!instance) return;
    native_free(CORE(instance));
    free(instance);
}

fmi3Status fmi3EnterInitializationMode(fmi3Instance instance, fmi3Boolean has_tolerance, fmi3Float64 tolerance,
                                       fmi3Float64 start, fmi3Boolean has_stop, fmi3Float64 stop) {
    (void)has_tolerance, (void)tolerance, (void)has_stop, (void)stop;
    GUARD(instance);
    return (fmi3Status)native_enter_initialization(CORE(instance), start);
}

fmi3Status fmi3ExitInitializationMode(fmi3Instance instance) {
    GUARD(instance);
    return (fmi3Status)native_exit_initialization(CORE(instance), "exitInitializationMode");
}

fmi3Status fmi3EnterStepMode(fmi3Instance instance) {
    GUARD(instance);
    return fmi3OK;
}

fmi3Status fmi3Terminate(fmi3Instance instance) {
    GUARD(instance);
    return (fmi3Status)native_terminate(CORE(instance));
}

fmi3Status fmi3Reset(fmi3Instance instance) {
    GUARD(instance);
    return (fmi3Status)native_reset(CORE(instance));
}

/* ---- values ---------------------------------------------------------------- */
static fmi3Status count_matches(fmi3Instance instance, const char *what, size_t n_references, size_t n_values) {
    if (n_references == n_values) return fmi3OK;
    native_log(CORE(instance), NATIVE_ERROR, "%s failed: %zu value references but %zu values (%s has "
               "scalar variables only)", what, n_references, n_values, native_model.name);
    return fmi3Error;
}

fmi3Status fmi3SetFloat64(fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
                          const fmi3Float64 values[], size_t n_values) {
    GUARD(instance);
    if (count_matches(instance, "fmi3SetFloat64", n, n_values)) return fmi3Error;
    return (fmi3Status)native_set(CORE(instance), "fmi3SetFloat64", KIND_REAL, vr, n, values);
}

fmi3Status fmi3GetFloat64(fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
                          fmi3Float64 values[], size_t n_values) {
    GUARD(instance);
    if (count_matches(instance, "fmi3GetFloat64", n, n_values)) return fmi3Error;
    return (fmi3Status)native_get(CORE(instance), "fmi3GetFloat64", KIND_REAL, vr, n, values);
}

#define THROUGH_DOUBLES(type, kind, to_type)                                                           \
    fmi3Status fmi3Set##type(fmi3Instance instance, const fmi3ValueReference vr[], size_t n,           \
                             const fmi3##type values[], size_t n_values) {                             \
        GUARD(instance);                                                                               \
        if (count_matches(instance, "fmi3Set" #type, n, n_values)) return fmi3Error;                   \
        double *converted = malloc((n ? n : 1) * sizeof(double));                                      \
        if (!converted) return fmi3Error;                                                              \
        for (size_t i = 0; i < n; i++) converted[i] = (double)values[i];                               \
        int status = native_set(CORE(instance), "fmi3Set" #type, kind, vr, n, converted);              \
        free(converted);                                                                               \
        return (fmi3Status)status;                                                                     \
    }                                                                                                  \
    fmi3Status fmi3Get##type(fmi3Instance instance, const fmi3ValueReference vr[], size_t n,           \
                             fmi3##type values[], size_t n_values) {                                   \
        GUARD(instance);                                                                               \
        if (count_matches(instance, "fmi3Get" #type, n, n_values)) return fmi3Error;                   \
        for (size_t i = 0; i < n; i++) {                                                               \
            double v = 0.0;                                                                            \
            int status = native_get(CORE(instance), "fmi3Get" #type, kind, &vr[i], 1, &v);             \
            if (status) return (fmi3Status)status;                                                     \
            values[i] = to_type;                                                                       \
        }                                                                                              \
        return fmi3OK;                                                                                 \
    }

THROUGH_DOUBLES(Int32, KIND_INTEGER, (fmi3Int32)v)
THROUGH_DOUBLES(Boolean, KIND_BOOLEAN, v != 0.0)

static fmi3Status no_variables(fmi3Instance instance, size_t n, const char *what) {
    GUARD(instance);
    if (n == 0) return fmi3OK;
    native_log(CORE(instance), NATIVE_ERROR, "%s failed: %s has no variables of this type", what,
               native_model.name);
    return fmi3Error;
}

#define NO_SUCH_TYPE(type)                                                                             \
    fmi3Status fmi3Set##type(fmi3Instance instance, const fmi3ValueReference vr[], size_t n,           \
                             const fmi3##type values[], size_t n_values) {                             \
        (void)vr, (void)values, (void)n_values;                                                        \
        return no_variables(instance, n, "fmi3Set" #type);                                             \
    }                                                                                                  \
    fmi3Status fmi3Get##type(fmi3Instance instance, const fmi3ValueReference vr[], size_t n,           \
                             fmi3##type values[], size_t n_values) {                                   \
        (void)vr, (void)values, (void)n_values;                                                        \
        return no_variables(instance, n, "fmi3Get" #type);                                             \
    }

NO_SUCH_TYPE(Float32)
NO_SUCH_TYPE(Int8)
NO_SUCH_TYPE(UInt8)
NO_SUCH_TYPE(Int16)
NO_SUCH_TYPE(UInt16)
NO_SUCH_TYPE(UInt32)
NO_SUCH_TYPE(Int64)
NO_SUCH_TYPE(UInt64)
NO_SUCH_TYPE(String)

fmi3Status fmi3GetBinary(fmi3Instance instance, const fmi3ValueReference vr[], size_t n, size_t sizes[],
                         fmi3Binary values[], size_t n_values) {
    (void)vr, (void)sizes, (void)values, (void)n_values;
    return no_variables(instance, n, "fmi3GetBinary");
}

fmi3Status fmi3SetBinary(fmi3Instance instance, const fmi3ValueReference vr[], size_t n, const size_t sizes[],
                         const fmi3Binary values[], size_t n_values) {
    (void)vr, (void)sizes, (void)values, (void)n_values;
    return no_variables(instance, n, "fmi3SetBinary");
}

fmi3Status fmi3GetClock(fmi3Instance instance, const fmi3ValueReference vr[], size_t n, fmi3Clock values[]) {
    (void)vr, (void)values;
    return no_variables(instance, n, "fmi3GetClock");
}

fmi3Status fmi3SetClock(fmi3Instance instance, const fmi3ValueReference vr[], size_t n, const fmi3Clock values[]) {
    (void)vr, (void)values;
    return no_variables(instance, n, "fmi3SetClock");
}

/* ---- stepping ----------------------------------------------------------------- */
fmi3Status fmi3DoStep(fmi3Instance instance, fmi3Float64 t, fmi3Float64 h, fmi3Boolean no_prior_state,
                      fmi3Boolean *event_handling_needed, fmi3Boolean *terminate, fmi3Boolean *early_return,
                      fmi3Float64 *last_successful_time) {
    (void)no_prior_state;
    GUARD(instance);
    fmi3Status status = (fmi3Status)native_do_step(CORE(instance), t, h);
    if (event_handling_needed) *event_handling_needed = false;
    if (terminate) *terminate = false;
    if (early_return) *early_return = false;
    if (last_successful_time) *last_successful_time = native_time(CORE(instance));
    return status;
}

/* ---- FMU states ----------------------------------------------------------------- */
fmi3Status fmi3GetFMUState(fmi3Instance instance, fmi3FMUState *state) {
    GUARD(instance);
    return (fmi3Status)native_get_state(CORE(instance), state);
}

fmi3Status fmi3SetFMUState(fmi3Instance instance, fmi3FMUState state) {
    GUARD(instance);
    return (fmi3Status)native_set_state(CORE(instance), state);
}

fmi3Status fmi3FreeFMUState(fmi3Instance instance, fmi3FMUState *state) {
    GUARD(instance);
    return (fmi3Status)native_free_state(CORE(instance), state);
}

fmi3Status fmi3SerializedFMUStateSize(fmi3Instance instance, fmi3FMUState state, size_t *size) {
    (void)state;
    GUARD(instance);
    *size = native_state_size(CORE(instance));
    return fmi3OK;
}

fmi3Status fmi3SerializeFMUState(fmi3Instance instance, fmi3FMUState state, fmi3Byte bytes[], size_t size) {
    GUARD(instance);
    return (fmi3Status)native_serialize(CORE(instance), state, (char *)bytes, size);
}

fmi3Status fmi3DeserializeFMUState(fmi3Instance instance, const fmi3Byte bytes[], size_t size,
                                   fmi3FMUState *state) {
    GUARD(instance);
    return (fmi3Status)native_deserialize(CORE(instance), (const char *)bytes, size, state);
}

/* ---- what a co-simulation FMU without clocks, events or derivatives lacks ------ */
#define UNSUPPORTED(name, params) \
    fmi3Status name params { return unsupported(instance, #name); }

UNSUPPORTED(fmi3EnterEventMode, (fmi3Instance instance))
UNSUPPORTED(fmi3GetNumberOfVariableDependencies, (fmi3Instance instance, fmi3ValueReference vr, size_t *n))
UNSUPPORTED(fmi3GetVariableDependencies, (fmi3Instance instance, fmi3ValueReference dependent,
            size_t element_of_dependent[], fmi3ValueReference independents[],
            size_t element_of_independents[], fmi3DependencyKind kinds[], size_t n))
UNSUPPORTED(fmi3GetDirectionalDerivative, (fmi3Instance instance, const fmi3ValueReference unknowns[],
            size_t n_unknowns, const fmi3ValueReference knowns[], size_t n_knowns, const fmi3Float64 seed[],
            size_t n_seed, fmi3Float64 sensitivity[], size_t n_sensitivity))
UNSUPPORTED(fmi3GetAdjointDerivative, (fmi3Instance instance, const fmi3ValueReference unknowns[],
            size_t n_unknowns, const fmi3ValueReference knowns[], size_t n_knowns, const fmi3Float64 seed[],
            size_t n_seed, fmi3Float64 sensitivity[], size_t n_sensitivity))
UNSUPPORTED(fmi3EnterConfigurationMode, (fmi3Instance instance))
UNSUPPORTED(fmi3ExitConfigurationMode, (fmi3Instance instance))
UNSUPPORTED(fmi3GetIntervalDecimal, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            fmi3Float64 intervals[], fmi3IntervalQualifier qualifiers[]))
UNSUPPORTED(fmi3GetIntervalFraction, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            fmi3UInt64 counters[], fmi3UInt64 resolutions[], fmi3IntervalQualifier qualifiers[]))
UNSUPPORTED(fmi3GetShiftDecimal, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            fmi3Float64 shifts[]))
UNSUPPORTED(fmi3GetShiftFraction, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            fmi3UInt64 counters[], fmi3UInt64 resolutions[]))
UNSUPPORTED(fmi3SetIntervalDecimal, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            const fmi3Float64 intervals[]))
UNSUPPORTED(fmi3SetIntervalFraction, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            const fmi3UInt64 counters[], const fmi3UInt64 resolutions[]))
UNSUPPORTED(fmi3SetShiftDecimal, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            const fmi3Float64 shifts[]))
UNSUPPORTED(fmi3SetShiftFraction, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            const fmi3UInt64 counters[], const fmi3UInt64 resolutions[]))
UNSUPPORTED(fmi3EvaluateDiscreteStates, (fmi3Instance instance))
UNSUPPORTED(fmi3UpdateDiscreteStates, (fmi3Instance instance, fmi3Boolean *update_needed, fmi3Boolean *terminate,
            fmi3Boolean *nominals_changed, fmi3Boolean *values_changed, fmi3Boolean *next_event_defined,
            fmi3Float64 *next_event_time))
UNSUPPORTED(fmi3EnterContinuousTimeMode, (fmi3Instance instance))
UNSUPPORTED(fmi3CompletedIntegratorStep, (fmi3Instance instance, fmi3Boolean no_prior_state,
            fmi3Boolean *enter_event_mode, fmi3Boolean *terminate))
UNSUPPORTED(fmi3SetTime, (fmi3Instance instance, fmi3Float64 time))
UNSUPPORTED(fmi3SetContinuousStates, (fmi3Instance instance, const fmi3Float64 states[], size_t n))
UNSUPPORTED(fmi3GetContinuousStateDerivatives, (fmi3Instance instance, fmi3Float64 derivatives[], size_t n))
UNSUPPORTED(fmi3GetEventIndicators, (fmi3Instance instance, fmi3Float64 indicators[], size_t n))
UNSUPPORTED(fmi3GetContinuousStates, (fmi3Instance instance, fmi3Float64 states[], size_t n))
UNSUPPORTED(fmi3GetNominalsOfContinuousStates, (fmi3Instance instance, fmi3Float64 nominals[], size_t n))
UNSUPPORTED(fmi3GetNumberOfEventIndicators, (fmi3Instance instance, size_t *n))
UNSUPPORTED(fmi3GetNumberOfContinuousStates, (fmi3Instance instance, size_t *n))
UNSUPPORTED(fmi3GetOutputDerivatives, (fmi3Instance instance, const fmi3ValueReference vr[], size_t n,
            const fmi3Int32 orders[], fmi3Float64 values[], size_t n_values))
UNSUPPORTED(fmi3ActivateModelPartition, (fmi3Instance instance, fmi3ValueReference clock, fmi3Float64 time))
