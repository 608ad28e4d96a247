/*
 * The native binary of a btwin FMU (FMI 2.0 Co-Simulation, linux64).
 *
 * pythonfmu's own binary needs the Python C API already present in the process
 * with its symbols global, and an interpreter that can find the standard
 * library and the packages the slave imports. Hosts such as Dymola, Simulink or
 * OMSimulator have neither. This launcher, loaded by the host as the FMU's
 * binary, provides both before it loads pythonfmu's binary and then forwards
 * every fmi2* call to it:
 *
 *   1. read resources/btwin_launcher.cfg, written at build time: the libpython
 *      to load, the Python home and the site-packages folders; the environment
 *      variables BTWIN_LIBPYTHON, BTWIN_PYTHONHOME and BTWIN_PYTHONPATH
 *      (':'-separated) override them;
 *   2. dlopen libpython with RTLD_GLOBAL unless the process already has an
 *      interpreter, initialise it (home set, no signal handlers) and add the
 *      recorded site-packages folders with site.addsitedir (so .pth files
 *      work) and no others;
 *   3. dlopen binaries/linux64/pythonfmu-export.so with RTLD_LOCAL, so that
 *      several FMUs coexist in one process.
 *
 * It also relays the slave's log messages to the host and keeps the worst
 * status logged during a call: pythonfmu's binary can only return fmi2OK or
 * fmi2Discard from Python, so a call during which the slave logged an error
 * returns fmi2Error. pythonfmu passes on nothing unless debug logging is on,
 * so the launcher keeps it on and filters for the host instead: warnings and
 * errors always reach the host, other messages as loggingOn and
 * fmi2SetDebugLogging ask. If Python cannot be set up, fmi2Instantiate logs what it
 * looked for and returns NULL; so it does, naming both versions, when the host
 * process already runs a Python of another version than the FMU's.
 *
 * Compiled by `btwin build` against the Python headers of the interpreter
 * recorded in the configuration; it links no Python symbol itself.
 */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- FMI 2.0 types (fmi2TypesPlatform.h, fmi2FunctionTypes.h) ---------- */
typedef void *fmi2Component;
typedef void *fmi2ComponentEnvironment;
typedef void *fmi2FMUstate;
typedef unsigned int fmi2ValueReference;
typedef double fmi2Real;
typedef int fmi2Integer;
typedef int fmi2Boolean;
typedef char fmi2Char;
typedef const fmi2Char *fmi2String;
typedef char fmi2Byte;
#define fmi2True 1
#define fmi2False 0
typedef enum { fmi2OK, fmi2Warning, fmi2Discard, fmi2Error, fmi2Fatal, fmi2Pending } fmi2Status;
typedef enum { fmi2ModelExchange, fmi2CoSimulation } fmi2Type;
typedef enum { fmi2DoStepStatus, fmi2PendingStatus, fmi2LastSuccessfulTime, fmi2Terminated } fmi2StatusKind;
typedef void (*fmi2CallbackLogger)(fmi2ComponentEnvironment, fmi2String, fmi2Status, fmi2String, fmi2String, ...);
typedef void *(*fmi2CallbackAllocateMemory)(size_t, size_t);
typedef void (*fmi2CallbackFreeMemory)(void *);
typedef void (*fmi2StepFinished)(fmi2ComponentEnvironment, fmi2Status);
typedef struct {
    fmi2CallbackLogger logger;
    fmi2CallbackAllocateMemory allocateMemory;
    fmi2CallbackFreeMemory freeMemory;
    fmi2StepFinished stepFinished;
    fmi2ComponentEnvironment componentEnvironment;
} fmi2CallbackFunctions;

#define EXPORT __attribute__((visibility("default")))
#define MAX_SITE_DIRS 16

/* ---- the functions of pythonfmu's binary ------------------------------- */
#define INNER_FUNCTIONS(X) \
    X(fmi2Component, Instantiate, (fmi2String, fmi2Type, fmi2String, fmi2String, const fmi2CallbackFunctions *, fmi2Boolean, fmi2Boolean)) \
    X(void, FreeInstance, (fmi2Component)) \
    X(fmi2Status, SetDebugLogging, (fmi2Component, fmi2Boolean, size_t, const fmi2String[])) \
    X(fmi2Status, SetupExperiment, (fmi2Component, fmi2Boolean, fmi2Real, fmi2Real, fmi2Boolean, fmi2Real)) \
    X(fmi2Status, EnterInitializationMode, (fmi2Component)) \
    X(fmi2Status, ExitInitializationMode, (fmi2Component)) \
    X(fmi2Status, Terminate, (fmi2Component)) \
    X(fmi2Status, Reset, (fmi2Component)) \
    X(fmi2Status, GetReal, (fmi2Component, const fmi2ValueReference[], size_t, fmi2Real[])) \
    X(fmi2Status, GetInteger, (fmi2Component, const fmi2ValueReference[], size_t, fmi2Integer[])) \
    X(fmi2Status, GetBoolean, (fmi2Component, const fmi2ValueReference[], size_t, fmi2Boolean[])) \
    X(fmi2Status, GetString, (fmi2Component, const fmi2ValueReference[], size_t, fmi2String[])) \
    X(fmi2Status, SetReal, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2Real[])) \
    X(fmi2Status, SetInteger, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2Integer[])) \
    X(fmi2Status, SetBoolean, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2Boolean[])) \
    X(fmi2Status, SetString, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2String[])) \
    X(fmi2Status, GetFMUstate, (fmi2Component, fmi2FMUstate *)) \
    X(fmi2Status, SetFMUstate, (fmi2Component, fmi2FMUstate)) \
    X(fmi2Status, FreeFMUstate, (fmi2Component, fmi2FMUstate *)) \
    X(fmi2Status, SerializedFMUstateSize, (fmi2Component, fmi2FMUstate, size_t *)) \
    X(fmi2Status, SerializeFMUstate, (fmi2Component, fmi2FMUstate, fmi2Byte[], size_t)) \
    X(fmi2Status, DeSerializeFMUstate, (fmi2Component, const fmi2Byte[], size_t, fmi2FMUstate *)) \
    X(fmi2Status, GetDirectionalDerivative, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2ValueReference[], size_t, const fmi2Real[], fmi2Real[])) \
    X(fmi2Status, SetRealInputDerivatives, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2Integer[], const fmi2Real[])) \
    X(fmi2Status, GetRealOutputDerivatives, (fmi2Component, const fmi2ValueReference[], size_t, const fmi2Integer[], fmi2Real[])) \
    X(fmi2Status, DoStep, (fmi2Component, fmi2Real, fmi2Real, fmi2Boolean)) \
    X(fmi2Status, CancelStep, (fmi2Component)) \
    X(fmi2Status, GetStatus, (fmi2Component, const fmi2StatusKind, fmi2Status *)) \
    X(fmi2Status, GetRealStatus, (fmi2Component, const fmi2StatusKind, fmi2Real *)) \
    X(fmi2Status, GetIntegerStatus, (fmi2Component, const fmi2StatusKind, fmi2Integer *)) \
    X(fmi2Status, GetBooleanStatus, (fmi2Component, const fmi2StatusKind, fmi2Boolean *)) \
    X(fmi2Status, GetStringStatus, (fmi2Component, const fmi2StatusKind, fmi2String *))

#define DECLARE_POINTER(ret, name, args) ret(*name) args;
static struct { INNER_FUNCTIONS(DECLARE_POINTER) } inner;

/* ---- Python C API, resolved at run time -------------------------------- */
static struct {
    int (*IsInitialized)(void);
    void (*ConfigInitPython)(PyConfig *);
    PyStatus (*ConfigSetBytesString)(PyConfig *, wchar_t **, const char *);
    PyStatus (*InitializeFromConfig)(const PyConfig *);
    void (*ConfigClear)(PyConfig *);
    int (*StatusException)(PyStatus);
    int (*RunSimpleString)(const char *);
    PyThreadState *(*EvalSaveThread)(void);
    PyGILState_STATE (*GILStateEnsure)(void);
    void (*GILStateRelease)(PyGILState_STATE);
} py;

typedef struct {
    char libpython[PATH_MAX];
    char home[PATH_MAX];
    char site_dirs[MAX_SITE_DIRS][PATH_MAX];
    int n_site_dirs;
} Config;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static int loaded = 0;
static char load_error[8192];

/* ---- one instance as the host sees it ---------------------------------- */
#define MAX_CATEGORIES 16

typedef struct {
    fmi2Component inner;
    fmi2CallbackFunctions host;
    fmi2CallbackFunctions relay;
    fmi2Status worst; /* worst status the slave logged during the current call */
    int host_logging;  /* what the host asked for with loggingOn / fmi2SetDebugLogging */
    int n_categories;  /* 0: every category */
    char categories[MAX_CATEGORIES][64];
} Instance;

/* Warnings and errors always reach the host; other messages when it asked. */
static int host_wants(const Instance *instance, fmi2Status status, const char *category) {
    if (status >= fmi2Warning) return 1;
    if (!instance->host_logging) return 0;
    if (instance->n_categories == 0) return 1;
    for (int i = 0; i < instance->n_categories; i++)
        if (category && !strcmp(category, instance->categories[i])) return 1;
    return 0;
}

/* The message as the format itself, '%' doubled: a host that formats it and
 * one that prints it as it is (no varargs) both show the text. */
static void log_text(const fmi2CallbackFunctions *host, fmi2String name, fmi2Status status,
                     fmi2String category, const char *text) {
    char escaped[16384];
    size_t n = 0;
    for (const char *c = text; *c && n + 2 < sizeof escaped; c++) {
        if (*c == '%') escaped[n++] = '%';
        escaped[n++] = *c;
    }
    escaped[n] = '\0';
    host->logger(host->componentEnvironment, name, status, category ? category : "", escaped);
}

static void relay_log(fmi2ComponentEnvironment env, fmi2String name, fmi2Status status,
                      fmi2String category, fmi2String message, ...) {
    Instance *instance = (Instance *)env;
    char text[8192];
    va_list args;
    va_start(args, message);
    vsnprintf(text, sizeof text, message ? message : "", args);
    va_end(args);
    if (status > instance->worst) instance->worst = status;
    if (instance->host.logger && host_wants(instance, status, category))
        log_text(&instance->host, name, status, category, text);
}

static fmi2Status settle(Instance *instance, fmi2Status status) {
    if (instance->worst >= fmi2Error && instance->worst > status) return instance->worst;
    return status;
}

static void *allocate_memory(size_t n, size_t size) { return calloc(n, size); }

/* ---- locating things --------------------------------------------------- */
static int own_directory(char *out, size_t size) {
    Dl_info info;
    if (!dladdr((void *)&own_directory, &info) || !info.dli_fname) return 0;
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", info.dli_fname);
    char resolved[PATH_MAX];
    if (!realpath(copy, resolved)) snprintf(resolved, sizeof resolved, "%s", copy);
    snprintf(out, size, "%s", dirname(resolved));
    return 1;
}

static void trim(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

static void add_site_dirs(Config *config, const char *list) {
    char buffer[PATH_MAX * 4];
    snprintf(buffer, sizeof buffer, "%s", list);
    for (char *save = NULL, *dir = strtok_r(buffer, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
        if (*dir && config->n_site_dirs < MAX_SITE_DIRS)
            snprintf(config->site_dirs[config->n_site_dirs++], PATH_MAX, "%s", dir);
}

static int read_config(const char *binary_dir, Config *config, char *error, size_t size) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/../../resources/btwin_launcher.cfg", binary_dir);
    memset(config, 0, sizeof *config);
    FILE *file = fopen(path, "r");
    if (file) {
        char line[PATH_MAX + 32];
        while (fgets(line, sizeof line, file)) {
            trim(line);
            char *value = strchr(line, '=');
            if (!value || line[0] == '#') continue;
            *value++ = '\0';
            if (!strcmp(line, "libpython")) snprintf(config->libpython, PATH_MAX, "%s", value);
            else if (!strcmp(line, "home")) snprintf(config->home, PATH_MAX, "%s", value);
            else if (!strcmp(line, "site")) add_site_dirs(config, value);
        }
        fclose(file);
    }
    const char *env;
    if ((env = getenv("BTWIN_LIBPYTHON")) && *env) snprintf(config->libpython, PATH_MAX, "%s", env);
    if ((env = getenv("BTWIN_PYTHONHOME")) && *env) snprintf(config->home, PATH_MAX, "%s", env);
    if ((env = getenv("BTWIN_PYTHONPATH")) && *env) {
        config->n_site_dirs = 0;
        add_site_dirs(config, env);
    }
    if (!config->libpython[0]) {
        snprintf(error, size, "no Python library to load: %s %s and BTWIN_LIBPYTHON is not set",
                 path, file ? "names no 'libpython'" : "could not be read");
        return 0;
    }
    return 1;
}

/* ---- setting up Python ------------------------------------------------- */
static int resolve_python(void *handle, char *error, size_t size) {
#define RESOLVE(field, symbol)                                                           \
    if (!(*(void **)&py.field = dlsym(handle, symbol))) {                                \
        snprintf(error, size, "the Python library has no symbol %s: %s", symbol, dlerror()); \
        return 0;                                                                         \
    }
    RESOLVE(IsInitialized, "Py_IsInitialized")
    RESOLVE(ConfigInitPython, "PyConfig_InitPythonConfig")
    RESOLVE(ConfigSetBytesString, "PyConfig_SetBytesString")
    RESOLVE(InitializeFromConfig, "Py_InitializeFromConfig")
    RESOLVE(ConfigClear, "PyConfig_Clear")
    RESOLVE(StatusException, "PyStatus_Exception")
    RESOLVE(RunSimpleString, "PyRun_SimpleString")
    RESOLVE(EvalSaveThread, "PyEval_SaveThread")
    RESOLVE(GILStateEnsure, "PyGILState_Ensure")
    RESOLVE(GILStateRelease, "PyGILState_Release")
#undef RESOLVE
    return 1;
}

static int initialize_python(const Config *config, char *error, size_t size) {
    PyConfig pyconfig;
    py.ConfigInitPython(&pyconfig);
    pyconfig.install_signal_handlers = 0;
    pyconfig.parse_argv = 0;
    /* no site-packages of the base installation or the user: only the
       recorded folders, added afterwards, so the environment's packages win */
    pyconfig.site_import = 0;
    pyconfig.user_site_directory = 0;
    PyStatus status = py.ConfigSetBytesString(&pyconfig, &pyconfig.program_name, "btwin-fmu");
    if (!py.StatusException(status) && config->home[0])
        status = py.ConfigSetBytesString(&pyconfig, &pyconfig.home, config->home);
    if (!py.StatusException(status)) status = py.InitializeFromConfig(&pyconfig);
    py.ConfigClear(&pyconfig);
    if (py.StatusException(status)) {
        snprintf(error, size, "Python (home '%s') did not start: %s%s%s", config->home,
                 status.func ? status.func : "", status.func ? ": " : "",
                 status.err_msg ? status.err_msg : "unknown error");
        return 0;
    }
    return 1;
}

/* Adds the site folders with site.addsitedir; returns 0 if Python raised.
 * The code binds no name: in a Python host it runs in the host's __main__. */
static int add_site_packages(const Config *config) {
    char code[PATH_MAX * (MAX_SITE_DIRS + 2)];
    size_t used = 0;
    code[0] = '\0';
    for (int i = 0; i < config->n_site_dirs && used < sizeof code; i++)
        used += (size_t)snprintf(code + used, sizeof code - used,
                                 "__import__('site').addsitedir(r'''%s''')\n", config->site_dirs[i]);
    PyGILState_STATE gil = py.GILStateEnsure();
    int result = py.RunSimpleString(code);
    py.GILStateRelease(gil);
    return result == 0;
}

/* pythonfmu 0.7.0 keeps its interpreter guard in a static shared_ptr and
 * also resets it from an ELF destructor (its exported finalizePythonInterpreter).
 * At exit() the static's C++ destructor runs first (registered with atexit
 * when the library was loaded) and the ELF destructor then writes to freed
 * memory, corrupting the heap: hosts crashed in another library's exit
 * handler. This handler, registered after the library was loaded, runs before
 * the static's destructor and releases the guard through pythonfmu's own
 * function, after which both of pythonfmu's clean-ups find nothing to do. */
static void (*finalize_pythonfmu)(void) = NULL;

static void release_pythonfmu_guard(void) {
    if (finalize_pythonfmu) finalize_pythonfmu();
    finalize_pythonfmu = NULL;
}

/* A process holds one Python. A host that already runs another version of
 * it (a Python 3.12 fmpy, say) exports its Py_GetVersion: loading ours beside
 * it would abort the host (two runtimes, one GIL state), so the FMU refuses
 * and names both versions. The same version is reused as it is. */
static int foreign_python(char *error, size_t size) {
    const char *(*host_version)(void);
    *(void **)&host_version = dlsym(RTLD_DEFAULT, "Py_GetVersion");
    if (!host_version) return 0;
    const char *version = host_version();
    int major = 0, minor = 0;
    if (!version || sscanf(version, "%d.%d", &major, &minor) != 2) return 0;
    if (major == PY_MAJOR_VERSION && minor == PY_MINOR_VERSION) return 0;
    const char *end = strchr(version, ' ');
    snprintf(error, size,
             "this FMU runs on Python %d.%d, but the host process already runs Python %.*s; one process "
             "can hold only one Python, so the FMU refuses to start: use a host on Python %d.%d, or the "
             "native FMU of this model (btwin build --native), which needs no Python",
             PY_MAJOR_VERSION, PY_MINOR_VERSION, end ? (int)(end - version) : (int)strlen(version), version,
             PY_MAJOR_VERSION, PY_MINOR_VERSION);
    return 1;
}

static int load(char *error, size_t size) {
    if (foreign_python(error, size)) return 0;
    char binary_dir[PATH_MAX];
    if (!own_directory(binary_dir, sizeof binary_dir)) {
        snprintf(error, size, "could not find the folder of the FMU binary");
        return 0;
    }
    Config config;
    if (!read_config(binary_dir, &config, error, size)) return 0;

    void *python = dlopen(config.libpython, RTLD_NOW | RTLD_GLOBAL);
    if (!python) {
        snprintf(error, size,
                 "could not load the Python library '%s' (from resources/btwin_launcher.cfg or "
                 "BTWIN_LIBPYTHON): %s", config.libpython, dlerror());
        return 0;
    }
    if (!resolve_python(python, error, size)) return 0;
    if (!py.IsInitialized()) {
        if (!initialize_python(&config, error, size)) return 0;
        py.EvalSaveThread(); /* pythonfmu takes the GIL per call */
    }
    if (!add_site_packages(&config)) {
        snprintf(error, size, "Python could not add the site-packages folders (BTWIN_PYTHONPATH "
                 "or resources/btwin_launcher.cfg); see the Python error above");
        return 0;
    }

    /* Stay loaded once Python is set up: a host that unloads the FMU between
     * runs (fmpy does) must not run the exit handler below early, and the
     * relay functions must outlive every instance. */
    Dl_info self;
    if (dladdr((void *)&load, &self) && self.dli_fname)
        dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE | RTLD_NOLOAD);

    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/pythonfmu-export.so", binary_dir);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!handle) {
        snprintf(error, size, "could not load pythonfmu's binary '%s': %s", path, dlerror());
        return 0;
    }
#define RESOLVE_INNER(ret, name, args)                                                      \
    if (!(*(void **)&inner.name = dlsym(handle, "fmi2" #name))) {                            \
        snprintf(error, size, "pythonfmu's binary '%s' has no fmi2" #name, path);          \
        return 0;                                                                           \
    }
    INNER_FUNCTIONS(RESOLVE_INNER)
#undef RESOLVE_INNER
    *(void **)&finalize_pythonfmu = dlsym(handle, "finalizePythonInterpreter");
    if (finalize_pythonfmu) atexit(release_pythonfmu_guard);
    return 1;
}

static int ensure_loaded(void) {
    pthread_mutex_lock(&load_lock);
    if (!loaded) loaded = load(load_error, sizeof load_error) ? 1 : 0;
    pthread_mutex_unlock(&load_lock);
    return loaded;
}

/* "file:///a%20b/resources" and friends -> "file:///a b/resources" */
static void normalise_resource_uri(const char *uri, const char *binary_dir, char *out, size_t size) {
    char path[PATH_MAX] = "";
    if (uri && !strncmp(uri, "file:", 5)) {
        const char *p = uri + 5;
        if (!strncmp(p, "//localhost/", 12)) p += 11;
        else if (!strncmp(p, "//", 2)) p += 2;
        size_t n = 0;
        for (; *p && n + 1 < sizeof path; p++) {
            if (p[0] == '%' && p[1] && p[2]) {
                char hex[3] = {p[1], p[2], 0};
                path[n++] = (char)strtol(hex, NULL, 16);
                p += 2;
            } else {
                path[n++] = *p;
            }
        }
        path[n] = '\0';
    } else {
        snprintf(path, sizeof path, "%s/../../resources", binary_dir);
    }
    snprintf(out, size, "file://%s", path);
}

/* ---- the FMI 2.0 functions --------------------------------------------- */
EXPORT const char *fmi2GetTypesPlatform(void) { return "default"; }
EXPORT const char *fmi2GetVersion(void) { return "2.0"; }

EXPORT fmi2Component fmi2Instantiate(fmi2String name, fmi2Type type, fmi2String guid,
                                     fmi2String resources, const fmi2CallbackFunctions *functions,
                                     fmi2Boolean visible, fmi2Boolean logging_on) {
    if (!functions) return NULL;
    if (!ensure_loaded()) {
        if (functions->logger) log_text(functions, name, fmi2Error, "logStatusError", load_error);
        return NULL;
    }
    Instance *instance = calloc(1, sizeof *instance);
    if (!instance) return NULL;
    instance->host = *functions;
    instance->relay = *functions;
    instance->relay.logger = relay_log;
    instance->relay.componentEnvironment = instance;
    if (!instance->relay.allocateMemory || !instance->relay.freeMemory) {
        instance->relay.allocateMemory = allocate_memory;
        instance->relay.freeMemory = free;
    }
    char binary_dir[PATH_MAX] = ".";
    own_directory(binary_dir, sizeof binary_dir);
    char uri[PATH_MAX + 16];
    normalise_resource_uri(resources, binary_dir, uri, sizeof uri);
    instance->host_logging = logging_on;
    instance->inner = inner.Instantiate(name, type, guid, uri, &instance->relay, visible, fmi2True);
    if (!instance->inner || instance->worst >= fmi2Error) {
        if (instance->inner) inner.FreeInstance(instance->inner);
        free(instance);
        return NULL;
    }
    inner.SetDebugLogging(instance->inner, fmi2True, 0, NULL);
    return instance;
}

EXPORT void fmi2FreeInstance(fmi2Component c) {
    Instance *instance = (Instance *)c;
    if (!instance) return;
    inner.FreeInstance(instance->inner);
    free(instance);
}

#define FORWARD(name, params, args)                         \
    EXPORT fmi2Status fmi2##name params {                   \
        Instance *instance = (Instance *)c;                 \
        if (!instance) return fmi2Error;                    \
        instance->worst = fmi2OK;                           \
        return settle(instance, inner.name args);           \
    }

EXPORT fmi2Status fmi2SetDebugLogging(fmi2Component c, fmi2Boolean on, size_t n, const fmi2String categories[]) {
    Instance *instance = (Instance *)c;
    if (!instance) return fmi2Error;
    if (n > MAX_CATEGORIES) n = MAX_CATEGORIES;
    instance->host_logging = on;
    instance->n_categories = (int)n;
    for (size_t i = 0; i < n; i++)
        snprintf(instance->categories[i], sizeof instance->categories[i], "%s", categories[i] ? categories[i] : "");
    return fmi2OK;
}

FORWARD(SetupExperiment, (fmi2Component c, fmi2Boolean has_tolerance, fmi2Real tolerance, fmi2Real start,
                          fmi2Boolean has_stop, fmi2Real stop),
        (instance->inner, has_tolerance, tolerance, start, has_stop, stop))
FORWARD(EnterInitializationMode, (fmi2Component c), (instance->inner))
FORWARD(ExitInitializationMode, (fmi2Component c), (instance->inner))
FORWARD(Terminate, (fmi2Component c), (instance->inner))
FORWARD(Reset, (fmi2Component c), (instance->inner))
FORWARD(GetReal, (fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Real v[]), (instance->inner, vr, n, v))
FORWARD(GetInteger, (fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Integer v[]), (instance->inner, vr, n, v))
FORWARD(GetBoolean, (fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Boolean v[]), (instance->inner, vr, n, v))
FORWARD(GetString, (fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2String v[]), (instance->inner, vr, n, v))
FORWARD(SetReal, (fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Real v[]), (instance->inner, vr, n, v))
FORWARD(SetInteger, (fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Integer v[]), (instance->inner, vr, n, v))
FORWARD(SetBoolean, (fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Boolean v[]), (instance->inner, vr, n, v))
FORWARD(SetString, (fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2String v[]), (instance->inner, vr, n, v))
FORWARD(GetFMUstate, (fmi2Component c, fmi2FMUstate *state), (instance->inner, state))
FORWARD(SetFMUstate, (fmi2Component c, fmi2FMUstate state), (instance->inner, state))
FORWARD(FreeFMUstate, (fmi2Component c, fmi2FMUstate *state), (instance->inner, state))
FORWARD(SerializedFMUstateSize, (fmi2Component c, fmi2FMUstate state, size_t *size), (instance->inner, state, size))
FORWARD(SerializeFMUstate, (fmi2Component c, fmi2FMUstate state, fmi2Byte bytes[], size_t size),
        (instance->inner, state, bytes, size))
FORWARD(DeSerializeFMUstate, (fmi2Component c, const fmi2Byte bytes[], size_t size, fmi2FMUstate *state),
        (instance->inner, bytes, size, state))
FORWARD(GetDirectionalDerivative, (fmi2Component c, const fmi2ValueReference u[], size_t nu,
                                   const fmi2ValueReference z[], size_t nz, const fmi2Real dv[], fmi2Real dz[]),
        (instance->inner, u, nu, z, nz, dv, dz))
FORWARD(SetRealInputDerivatives, (fmi2Component c, const fmi2ValueReference vr[], size_t n,
                                  const fmi2Integer order[], const fmi2Real v[]),
        (instance->inner, vr, n, order, v))
FORWARD(GetRealOutputDerivatives, (fmi2Component c, const fmi2ValueReference vr[], size_t n,
                                   const fmi2Integer order[], fmi2Real v[]),
        (instance->inner, vr, n, order, v))
FORWARD(DoStep, (fmi2Component c, fmi2Real t, fmi2Real h, fmi2Boolean no_prior_state), (instance->inner, t, h, no_prior_state))
FORWARD(CancelStep, (fmi2Component c), (instance->inner))
FORWARD(GetStatus, (fmi2Component c, const fmi2StatusKind kind, fmi2Status *v), (instance->inner, kind, v))
FORWARD(GetRealStatus, (fmi2Component c, const fmi2StatusKind kind, fmi2Real *v), (instance->inner, kind, v))
FORWARD(GetIntegerStatus, (fmi2Component c, const fmi2StatusKind kind, fmi2Integer *v), (instance->inner, kind, v))
FORWARD(GetBooleanStatus, (fmi2Component c, const fmi2StatusKind kind, fmi2Boolean *v), (instance->inner, kind, v))
FORWARD(GetStringStatus, (fmi2Component c, const fmi2StatusKind kind, fmi2String *v), (instance->inner, kind, v))
