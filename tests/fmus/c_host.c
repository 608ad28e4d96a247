/*
 * A plain C FMI 2.0 co-simulation host with no Python in it, as Dymola,
 * Simulink or OMSimulator load an FMU: dlopen the binary, instantiate, step.
 *
 *   c_host STEPS STEP FMU [FMU ...]
 *   FMU = DIR|MODEL_IDENTIFIER|VR=VALUE,VR=VALUE|VR,VR
 *
 * DIR is an extracted FMU; the value references are set before
 * initialization and the output ones printed after the last step, one line
 * per FMU: "<identifier> <status> <seconds per doStep> <outputs...>".
 * All FMUs live in this one process and are stepped together.
 */
#define _DEFAULT_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *Component;
typedef struct {
    void (*logger)(void *, const char *, int, const char *, const char *, ...);
    void *(*allocate)(size_t, size_t);
    void (*free)(void *);
    void *step_finished;
    void *environment;
} Callbacks;

typedef Component (*Instantiate)(const char *, int, const char *, const char *, const Callbacks *, int, int);
typedef int (*Setup)(Component, int, double, double, int, double);
typedef int (*Simple)(Component);
typedef int (*SetReal)(Component, const unsigned *, size_t, const double *);
typedef int (*GetReal)(Component, const unsigned *, size_t, double *);
typedef int (*DoStep)(Component, double, double, int);
typedef void (*FreeInstance)(Component);

static void logger(void *env, const char *name, int status, const char *category, const char *message, ...) {
    va_list args;
    va_start(args, message);
    fprintf(stderr, "[%s status=%d %s] ", name, status, category ? category : "");
    vfprintf(stderr, message, args);
    fprintf(stderr, "\n");
    va_end(args);
}

typedef struct {
    char dir[4096], id[256];
    unsigned in_vr[32], out_vr[32];
    double in_value[32];
    int n_in, n_out, status;
    void *lib;
    Component c;
    DoStep step;
    GetReal get;
    double seconds;
} Fmu;

static void *symbol(Fmu *f, const char *name) {
    void *p = dlsym(f->lib, name);
    if (!p) { fprintf(stderr, "%s: missing %s\n", f->id, name); exit(3); }
    return p;
}

static void parse(Fmu *f, char *spec) {
    /* strsep keeps empty fields: "DIR|ID||2" has no inputs and output 2 */
    char *rest = spec;
    char *dir = strsep(&rest, "|"), *id = strsep(&rest, "|");
    char *inputs = strsep(&rest, "|"), *outputs = strsep(&rest, "|");
    if (!dir || !id) { fprintf(stderr, "bad FMU spec\n"); exit(2); }
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    snprintf(f->id, sizeof f->id, "%s", id);
    for (char *s2 = NULL, *kv = inputs ? strtok_r(inputs, ",", &s2) : NULL; kv; kv = strtok_r(NULL, ",", &s2)) {
        if (f->n_in == 32 || !strchr(kv, '=')) { fprintf(stderr, "bad or too many inputs: %s\n", kv); exit(2); }
        f->in_vr[f->n_in] = (unsigned)strtoul(kv, NULL, 10);
        f->in_value[f->n_in++] = strtod(strchr(kv, '=') + 1, NULL);
    }
    for (char *s3 = NULL, *vr = outputs ? strtok_r(outputs, ",", &s3) : NULL; vr; vr = strtok_r(NULL, ",", &s3)) {
        if (f->n_out == 32) { fprintf(stderr, "more than 32 outputs\n"); exit(2); }
        f->out_vr[f->n_out++] = (unsigned)strtoul(vr, NULL, 10);
    }
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: c_host STEPS STEP FMU...\n"); return 2; }
    int steps = atoi(argv[1]);
    double h = atof(argv[2]);
    int n = argc - 3;
    Fmu *fmus = calloc((size_t)n, sizeof(Fmu));
    Callbacks callbacks = {logger, calloc, free, NULL, NULL};
    for (int i = 0; i < n; i++) {
        Fmu *f = &fmus[i];
        parse(f, argv[3 + i]);
        char path[8192], uri[8192];
        snprintf(path, sizeof path, "%s/binaries/linux64/%s.so", f->dir, f->id);
        f->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!f->lib) { fprintf(stderr, "dlopen failed: %s\n", dlerror()); return 3; }
        snprintf(uri, sizeof uri, "file://%s/resources", f->dir);
        f->c = ((Instantiate)symbol(f, "fmi2Instantiate"))(f->id, 1, "", uri, &callbacks, 0, 0);
        if (!f->c) { printf("%s instantiate-failed\n", f->id); return 4; }
        f->step = (DoStep)symbol(f, "fmi2DoStep");
        f->get = (GetReal)symbol(f, "fmi2GetReal");
        f->status = ((Setup)symbol(f, "fmi2SetupExperiment"))(f->c, 0, 0.0, 0.0, 0, 0.0);
        if (!f->status) f->status = ((SetReal)symbol(f, "fmi2SetReal"))(f->c, f->in_vr, (size_t)f->n_in, f->in_value);
        if (!f->status) f->status = ((Simple)symbol(f, "fmi2EnterInitializationMode"))(f->c);
        if (!f->status) f->status = ((Simple)symbol(f, "fmi2ExitInitializationMode"))(f->c);
    }
    for (int k = 0; k < steps; k++) {
        for (int i = 0; i < n; i++) {
            Fmu *f = &fmus[i];
            if (f->status > 1) continue;
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            f->status = f->step(f->c, k * h, h, 1);
            clock_gettime(CLOCK_MONOTONIC, &b);
            f->seconds += (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
        }
    }
    for (int i = 0; i < n; i++) {
        Fmu *f = &fmus[i];
        double out[32];
        int got = f->get(f->c, f->out_vr, (size_t)f->n_out, out);
        printf("%s %d %.9g", f->id, f->status > got ? f->status : got, steps ? f->seconds / steps : 0.0);
        for (int j = 0; j < f->n_out; j++) printf(" %.17g", out[j]);
        printf("\n");
        ((Simple)symbol(f, "fmi2Terminate"))(f->c);
        ((FreeInstance)symbol(f, "fmi2FreeInstance"))(f->c);
    }
    return 0;
}
