/*
 * test_bad_input — feeds the georender C API every kind of bad input and
 * checks each returns its documented status with a non-empty last-error
 * message, and that the process survives. Meant to run under valgrind
 * (`make valgrind`): no leaks, no invalid accesses.
 *
 * No job here reaches routing or the GPU: batches are cancelled while their
 * first job is held at its "job started" event (a progress callback that
 * waits for the test), so the run is deterministic and needs no device.
 *
 * Prints "N passed, M failed" last; exit status 0 when nothing failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <georender.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            passed++;                                                                \
        } else {                                                                     \
            failed++;                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* The call returned `expected`, the last error says so, with a message. */
#define CHECK_STATUS(call, expected)                                                      \
    do {                                                                                  \
        GrStatus got_ = (call);                                                           \
        const char *msg_ = gr_last_error_message();                                       \
        if (got_ == (expected) && gr_last_error_code() == (expected) &&                   \
            ((expected) == GR_OK ? msg_[0] == '\0' : msg_[0] != '\0')) {                  \
            passed++;                                                                     \
        } else {                                                                          \
            failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error %s: \"%s\")\n", \
                    __FILE__, __LINE__, #call, gr_status_name(got_),                      \
                    gr_status_name(expected), gr_status_name(gr_last_error_code()), msg_); \
        }                                                                                 \
    } while (0)

/* The last error message contains `needle`. */
#define CHECK_MESSAGE_HAS(needle)                                                           \
    do {                                                                                    \
        const char *m_ = gr_last_error_message();                                           \
        if (strstr(m_, needle)) {                                                           \
            passed++;                                                                       \
        } else {                                                                            \
            failed++;                                                                       \
            fprintf(stderr, "%s:%d: last error lacks \"%s\": \"%s\"\n", __FILE__, __LINE__, \
                    needle, m_);                                                            \
        }                                                                                   \
    } while (0)

#define JOB "{\"waypoints\": [{\"lat\": 51.47, \"lng\": -0.45}, {\"lat\": 40.64, \"lng\": -73.78}]}"
#define TWO_JOBS "[" JOB ", " JOB "]"

/* ---- a progress callback that can hold a batch at its first job ---- */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int hold;           /* hold job 0 at its start until released */
    int started;        /* job 0 has started (and is being held) */
    int released;       /* the test lets it go */
    int cancel_on_start; /* return non-zero at job 0's start */
    int batch_ended;    /* GR_PROGRESS_BATCH_ENDED seen */
    GrStatus batch_status;
} Gate;

static void gate_init(Gate *g) {
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
}

static void gate_destroy(Gate *g) {
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
}

static int32_t gate_callback(const GrProgress *p, void *user_data) {
    Gate *g = user_data;
    int32_t answer = 0;
    pthread_mutex_lock(&g->lock);
    if (p->kind == GR_PROGRESS_JOB_STARTED && p->job_index == 0) {
        g->started = 1;
        pthread_cond_broadcast(&g->cond);
        while (g->hold && !g->released) pthread_cond_wait(&g->cond, &g->lock);
        answer = g->cancel_on_start;
    } else if (p->kind == GR_PROGRESS_BATCH_ENDED) {
        g->batch_ended = 1;
        g->batch_status = p->status;
    }
    pthread_mutex_unlock(&g->lock);
    return answer;
}

static void gate_wait_started(Gate *g) {
    pthread_mutex_lock(&g->lock);
    while (!g->started) pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static void gate_release(Gate *g) {
    pthread_mutex_lock(&g->lock);
    g->released = 1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

/* ---- the checks ---- */

static void test_version_and_names(void) {
    CHECK(strcmp(gr_version(), GR_VERSION_STRING) == 0);
    CHECK(gr_version_major() == GR_VERSION_MAJOR);
    CHECK(gr_version_minor() == GR_VERSION_MINOR);
    CHECK(gr_version_patch() == GR_VERSION_PATCH);
    CHECK(strcmp(gr_status_name(GR_OK), "GR_OK") == 0);
    CHECK(strcmp(gr_status_name(GR_VALIDATION_ERROR), "GR_VALIDATION_ERROR") == 0);
    CHECK(strcmp(gr_status_name(GR_TIMEOUT), "GR_TIMEOUT") == 0);
    CHECK(strcmp(gr_status_name(12345), "GR_UNKNOWN") == 0);
    CHECK(strcmp(gr_status_name(-1), "GR_UNKNOWN") == 0);
    /* Stable numbers (SPEC section 4 order, then the FFI conditions). */
    CHECK(GR_OK == 0 && GR_VALIDATION_ERROR == 1 && GR_MARITIME_ROUTE_ERROR == 2 &&
          GR_ROAD_ROUTE_ERROR == 3 && GR_RENDER_FAILED == 4 && GR_ENCODE_FAILED == 5 &&
          GR_CANCELLED == 6 && GR_BATCH_TOO_LARGE == 7);
    CHECK(GR_NULL_ARGUMENT == 100 && GR_INVALID_UTF8 == 101 && GR_TIMEOUT == 102 &&
          GR_PANIC == 103 && GR_INTERNAL == 104);
    /* Nothing failed yet on this thread. */
    CHECK(gr_last_error_code() == GR_OK);
    CHECK(gr_last_error_message()[0] == '\0');
}

static void test_free_null(void) {
    gr_engine_free(NULL);
    gr_batch_free(NULL);
    gr_string_free(NULL);
    CHECK(gr_batch_id(NULL) == NULL);
}

static void test_engine_new(const char *out_dir) {
    GrEngine *e = (GrEngine *)0x1; /* must be overwritten with NULL on failure */
    CHECK_STATUS(gr_engine_new(NULL, NULL), GR_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("out");

    CHECK_STATUS(gr_engine_new("{\"output_dir\": ", &e), GR_VALIDATION_ERROR);
    CHECK(e == NULL);
    CHECK_MESSAGE_HAS("settings");

    e = (GrEngine *)0x1;
    CHECK_STATUS(gr_engine_new("{\"no_such_setting\": 1}", &e), GR_VALIDATION_ERROR);
    CHECK(e == NULL);
    CHECK_MESSAGE_HAS("no_such_setting");

    e = (GrEngine *)0x1;
    CHECK_STATUS(gr_engine_new("{\"output_dir\": \"\xff\xfe\"}", &e), GR_INVALID_UTF8);
    CHECK(e == NULL);
    CHECK_MESSAGE_HAS("settings_json");

    e = (GrEngine *)0x1;
    CHECK_STATUS(gr_engine_new("{\"concurrency\": \"many\"}", &e), GR_VALIDATION_ERROR);
    CHECK(e == NULL);

    /* A good one, freed at once. */
    char settings[512];
    snprintf(settings, sizeof settings, "{\"output_dir\": \"%s\", \"concurrency\": 1}", out_dir);
    e = NULL;
    CHECK_STATUS(gr_engine_new(settings, &e), GR_OK);
    CHECK(e != NULL);
    gr_engine_free(e);
}

static void test_validate(void) {
    char *out = (char *)0x1;
    CHECK_STATUS(gr_validate(NULL, &out), GR_NULL_ARGUMENT);
    CHECK(out == NULL);
    CHECK_MESSAGE_HAS("json");
    CHECK_STATUS(gr_validate(JOB, NULL), GR_NULL_ARGUMENT);

    out = (char *)0x1;
    CHECK_STATUS(gr_validate("{\"waypoints\": [\"\xc3\x28\"]}", &out), GR_INVALID_UTF8);
    CHECK(out == NULL);

    CHECK_STATUS(gr_validate(JOB, &out), GR_OK);
    CHECK(out != NULL && strstr(out, "\"valid\":true") != NULL);
    gr_string_free(out);

    CHECK_STATUS(gr_validate("{\"waypoints\": [", &out), GR_VALIDATION_ERROR);
    CHECK(out != NULL && strstr(out, "invalid_format") != NULL);
    CHECK_MESSAGE_HAS("line");
    gr_string_free(out);

    const char *bad_batch =
        "{\"jobs\": [" JOB ", {\"waypoints\": [{\"lat\": 100, \"lng\": 0}, {\"lat\": 0, \"lng\": 0}],"
        " \"style\": \"neon\"}]}";
    CHECK_STATUS(gr_validate(bad_batch, &out), GR_VALIDATION_ERROR);
    CHECK(out != NULL && strstr(out, "jobs[1].waypoints[0].lat") != NULL);
    CHECK(out != NULL && strstr(out, "jobs[1].style") != NULL);
    CHECK_MESSAGE_HAS("jobs[1].waypoints[0].lat");
    CHECK_MESSAGE_HAS("jobs[1].style");
    CHECK(strstr(gr_last_error_json(), "\"issues\"") != NULL);
    /* The message stays valid across calls that do not return a status. */
    const char *msg = gr_last_error_message();
    gr_string_free(out);
    gr_string_free(NULL);
    (void)gr_status_name(GR_OK);
    (void)gr_version();
    CHECK(msg == gr_last_error_message() && strstr(msg, "jobs[1].style") != NULL);
}

static void test_render_batch_bad_input(GrEngine *engine) {
    GrBatch *b = (GrBatch *)0x1;
    CHECK_STATUS(gr_render_batch(NULL, TWO_JOBS, NULL, NULL, NULL, &b), GR_NULL_ARGUMENT);
    CHECK(b == NULL);
    CHECK_MESSAGE_HAS("engine");
    CHECK_STATUS(gr_render_batch(engine, NULL, NULL, NULL, NULL, &b), GR_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("jobs_json");
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, NULL, NULL, NULL, NULL), GR_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("out");

    b = (GrBatch *)0x1;
    CHECK_STATUS(gr_render_batch(engine, "[\"\xff\"]", NULL, NULL, NULL, &b), GR_INVALID_UTF8);
    CHECK(b == NULL);
    CHECK_MESSAGE_HAS("jobs_json");
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, "{\"fps\": \"\xe2\x82\"}", NULL, NULL, &b),
                 GR_INVALID_UTF8);
    CHECK_MESSAGE_HAS("shared_json");

    /* Malformed JSON. */
    CHECK_STATUS(gr_render_batch(engine, "[{\"waypoints\": [}", NULL, NULL, NULL, &b),
                 GR_VALIDATION_ERROR);
    CHECK(b == NULL);
    CHECK_MESSAGE_HAS("line");
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, "{\"fps\": ", NULL, NULL, &b),
                 GR_VALIDATION_ERROR);
    CHECK_MESSAGE_HAS("shared_options");

    /* Invalid jobs: every issue, each with its path. */
    const char *invalid =
        "[" JOB ", {\"waypoints\": [{\"lat\": 1, \"lng\": 500}], \"fps\": 7, \"bogus\": true}]";
    CHECK_STATUS(gr_render_batch(engine, invalid, NULL, NULL, NULL, &b), GR_VALIDATION_ERROR);
    CHECK(b == NULL);
    CHECK_MESSAGE_HAS("jobs[1].waypoints[0].lng");
    CHECK_MESSAGE_HAS("jobs[1].fps");
    CHECK_MESSAGE_HAS("jobs[1].bogus");
    CHECK(strstr(gr_last_error_json(), "\"field\":\"jobs[1].fps\"") != NULL);

    /* Invalid shared options are reported under shared_options. */
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, "{\"resolution\": \"huge\"}", NULL, NULL, &b),
                 GR_VALIDATION_ERROR);
    CHECK_MESSAGE_HAS("shared_options.resolution");
    /* ... also when merged over a batch body's own shared_options. */
    CHECK_STATUS(gr_render_batch(engine, "{\"jobs\": " TWO_JOBS ", \"shared_options\": {\"fps\": 30}}",
                                 "{\"fps\": 31}", NULL, NULL, &b),
                 GR_VALIDATION_ERROR);
    CHECK_MESSAGE_HAS("shared_options.fps");

    /* Not a batch at all, and an empty one. */
    CHECK_STATUS(gr_render_batch(engine, "42", NULL, NULL, NULL, &b), GR_VALIDATION_ERROR);
    CHECK_STATUS(gr_render_batch(engine, "[]", NULL, NULL, NULL, &b), GR_VALIDATION_ERROR);
    CHECK_MESSAGE_HAS("jobs");

    /* Over the engine's batch_limit (2 here). */
    CHECK_STATUS(gr_render_batch(engine, "[" JOB "," JOB "," JOB "]", NULL, NULL, NULL, &b),
                 GR_BATCH_TOO_LARGE);
    CHECK(b == NULL);
    CHECK_MESSAGE_HAS("limit");
}

static void test_null_batch(void) {
    char *out = (char *)0x1;
    GrBatchCounts counts;
    CHECK_STATUS(gr_batch_status(NULL, &out), GR_NULL_ARGUMENT);
    CHECK(out == NULL);
    CHECK_MESSAGE_HAS("batch");
    out = (char *)0x1;
    CHECK_STATUS(gr_batch_wait(NULL, -1, &out), GR_NULL_ARGUMENT);
    CHECK(out == NULL);
    CHECK_STATUS(gr_batch_wait(NULL, 0, NULL), GR_NULL_ARGUMENT);
    CHECK_STATUS(gr_batch_cancel(NULL), GR_NULL_ARGUMENT);
    CHECK_STATUS(gr_batch_counts(NULL, &counts), GR_NULL_ARGUMENT);
    CHECK_STATUS(gr_engine_gpu_info(NULL, &out), GR_NULL_ARGUMENT);
}

/* Cancel a batch while its first job is held at its start: wait reports
 * GR_CANCELLED (also again, and with a zero timeout); cancelling twice is fine. */
static void test_cancelled_batch(GrEngine *engine) {
    Gate g;
    gate_init(&g);
    g.hold = 1;
    GrBatch *b = NULL;
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, "{\"duration\": 1}", gate_callback, &g, &b),
                 GR_OK);
    if (!b) {
        gate_destroy(&g);
        return;
    }
    CHECK(gr_batch_id(b) != NULL && strncmp(gr_batch_id(b), "batch_", 6) == 0);
    gate_wait_started(&g);

    char *out = NULL;
    CHECK_STATUS(gr_batch_status(b, &out), GR_OK);
    CHECK(out != NULL && strstr(out, "\"status\":\"processing\"") != NULL);
    gr_string_free(out);
    CHECK_STATUS(gr_batch_status(b, NULL), GR_NULL_ARGUMENT);
    CHECK_STATUS(gr_batch_counts(b, NULL), GR_NULL_ARGUMENT);

    /* Still running (job 0 is held): a short wait times out. */
    out = NULL;
    CHECK_STATUS(gr_batch_wait(b, 20, &out), GR_TIMEOUT);
    CHECK(out != NULL && strstr(out, "\"total\":2") != NULL);
    CHECK_MESSAGE_HAS("still running");
    gr_string_free(out);

    CHECK_STATUS(gr_batch_cancel(b), GR_OK);
    CHECK_STATUS(gr_batch_cancel(b), GR_OK); /* double cancel */
    gate_release(&g);

    out = NULL;
    CHECK_STATUS(gr_batch_wait(b, -1, &out), GR_CANCELLED);
    CHECK(out != NULL && strstr(out, "\"cancelled\":2") != NULL);
    CHECK(out != NULL && strstr(out, "\"error\":\"CANCELLED\"") != NULL);
    CHECK_MESSAGE_HAS("cancelled");
    gr_string_free(out);

    /* Waiting again on the cancelled batch: same answer, at once. */
    CHECK_STATUS(gr_batch_wait(b, 0, NULL), GR_CANCELLED);
    CHECK_STATUS(gr_batch_wait(b, -1, NULL), GR_CANCELLED);
    CHECK_STATUS(gr_batch_wait(b, INT64_MAX, NULL), GR_CANCELLED);
    CHECK_STATUS(gr_batch_cancel(b), GR_OK); /* cancelling an ended batch */

    GrBatchCounts counts;
    memset(&counts, 0xff, sizeof counts);
    CHECK_STATUS(gr_batch_counts(b, &counts), GR_OK);
    CHECK(counts.state == GR_BATCH_COMPLETE && counts.total == 2 && counts.cancelled == 2 &&
          counts.completed == 0 && counts.failed == 0 && counts.queued == 0 &&
          counts.processing == 0);

    pthread_mutex_lock(&g.lock);
    CHECK(g.batch_ended && g.batch_status == GR_CANCELLED);
    pthread_mutex_unlock(&g.lock);

    gr_batch_free(b);
    gate_destroy(&g);
}

/* A callback returning non-zero cancels the batch. */
static void test_callback_cancels(GrEngine *engine) {
    Gate g;
    gate_init(&g);
    g.cancel_on_start = 1;
    GrBatch *b = NULL;
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, NULL, gate_callback, &g, &b), GR_OK);
    if (b) {
        CHECK_STATUS(gr_batch_wait(b, -1, NULL), GR_CANCELLED);
        GrBatchCounts counts;
        CHECK_STATUS(gr_batch_counts(b, &counts), GR_OK);
        CHECK(counts.cancelled == 2);
    }
    gr_batch_free(b);
    gate_destroy(&g);
}

/* Freeing a batch handle while its callback runs on a worker waits for that
 * call to return; no call follows (the gate may be destroyed afterwards). */
static void test_free_running_batch(GrEngine *engine) {
    Gate g;
    gate_init(&g);
    g.hold = 1;
    GrBatch *b = NULL;
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, NULL, gate_callback, &g, &b), GR_OK);
    if (b) {
        gate_wait_started(&g);
        CHECK_STATUS(gr_batch_cancel(b), GR_OK);
        gate_release(&g);
        gr_batch_free(b); /* waits for the callback running on the worker */
    }
    /* The engine still works: the next batch runs after this one. */
    Gate g2;
    gate_init(&g2);
    g2.cancel_on_start = 1;
    GrBatch *b2 = NULL;
    CHECK_STATUS(gr_render_batch(engine, TWO_JOBS, NULL, gate_callback, &g2, &b2), GR_OK);
    if (b2) CHECK_STATUS(gr_batch_wait(b2, -1, NULL), GR_CANCELLED);
    gr_batch_free(b2);
    gate_destroy(&g2);
    gate_destroy(&g);
}

/* The last error is per thread. */
static void *other_thread(void *arg) {
    (void)arg;
    GrStatus st = gr_engine_new(NULL, NULL);
    int ok = st == GR_NULL_ARGUMENT && gr_last_error_code() == GR_NULL_ARGUMENT;
    return ok ? (void *)1 : NULL;
}

static void test_thread_local_error(void) {
    char *out = NULL;
    CHECK_STATUS(gr_validate("[", &out), GR_VALIDATION_ERROR);
    gr_string_free(out);
    pthread_t t;
    void *result = NULL;
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
    CHECK(pthread_join(t, &result) == 0);
    CHECK(result == (void *)1);
    CHECK(gr_last_error_code() == GR_VALIDATION_ERROR);
}

int main(void) {
    char dir[] = "/tmp/georender-ffi-test-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }

    test_version_and_names();
    test_free_null();
    test_engine_new(dir);
    test_validate();
    test_null_batch();
    test_thread_local_error();

    char settings[512];
    snprintf(settings, sizeof settings,
             "{\"output_dir\": \"%s\", \"concurrency\": 1, \"batch_limit\": 2}", dir);
    GrEngine *engine = NULL;
    CHECK_STATUS(gr_engine_new(settings, &engine), GR_OK);
    if (engine) {
        test_render_batch_bad_input(engine);
        test_cancelled_batch(engine);
        test_callback_cancels(engine);
        test_free_running_batch(engine);
        gr_engine_free(engine);
    }

    rmdir(dir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
