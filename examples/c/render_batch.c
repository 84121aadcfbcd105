/*
 * render_batch — renders a georender batch through the C API and prints each
 * job's outcome.
 *
 *   render_batch [-v] [-o OUTPUT_DIR] [-s SHARED_OPTIONS_JSON] [BATCH_JSON_FILE]
 *
 * BATCH_JSON_FILE  a batch body {"jobs": [...], "shared_options": {...}}
 *                  (default: ../jobs/batch.json, the three-job example)
 * -s JSON          shared options merged over the file's shared_options, e.g.
 *                  '{"resolution": "320x180", "duration": 2}' for a quick run
 * -o DIR           where videos and thumbnails go (default: renders)
 * -v               print the final batch status JSON
 *
 * Exit status: 0 when every job completed, 1 when some did not, 2 on an API
 * error (bad input, no GPU, ...).
 */
#define _POSIX_C_SOURCE 200809L

#include <georender.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads a whole file into a NUL-terminated buffer (free() it). */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

/* Writes `s` as a JSON string literal (quotes, backslashes, control chars escaped). */
static void json_string(char *out, size_t cap, const char *s) {
    size_t n = 0;
    if (cap < 3) return;
    out[n++] = '"';
    for (; *s && n + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
}

/* Progress callback: runs on the engine's threads, so it only prints (one
 * fputs per line is atomic) and never touches shared state. */
static int32_t on_progress(const GrProgress *p, void *user_data) {
    (void)user_data;
    char line[1024];
    switch (p->kind) {
    case GR_PROGRESS_JOB_STARTED:
        snprintf(line, sizeof line, "job %lld [%s] started (%llu frames)\n",
                 (long long)p->job_index, p->job_id, (unsigned long long)p->total_frames);
        break;
    case GR_PROGRESS_FRAME:
        /* Once per quarter of the video. */
        if (p->total_frames == 0 ||
            p->frame * 4 / p->total_frames == (p->frame - 1) * 4 / p->total_frames)
            return 0;
        snprintf(line, sizeof line, "job %lld [%s] frame %llu/%llu, eta %.1f s\n",
                 (long long)p->job_index, p->job_id, (unsigned long long)p->frame,
                 (unsigned long long)p->total_frames, p->eta_seconds);
        break;
    case GR_PROGRESS_JOB_ENDED:
        if (p->job_status == GR_JOB_COMPLETE)
            snprintf(line, sizeof line, "job %lld [%s] complete: %s (%llu frames)\n",
                     (long long)p->job_index, p->job_id, p->video_path ? p->video_path : "?",
                     (unsigned long long)p->frame);
        else
            snprintf(line, sizeof line, "job %lld [%s] %s: %s: %s\n", (long long)p->job_index,
                     p->job_id, p->job_status == GR_JOB_CANCELLED ? "cancelled" : "failed",
                     gr_status_name(p->status), p->message ? p->message : "");
        break;
    case GR_PROGRESS_BATCH_ENDED:
    default:
        return 0;
    }
    fputs(line, stdout);
    fflush(stdout);
    return 0; /* non-zero would cancel the batch */
}

static int fail(const char *what, GrStatus status) {
    fprintf(stderr, "%s failed: %s\n%s\n", what, gr_status_name(status), gr_last_error_message());
    return 2;
}

int main(int argc, char **argv) {
    const char *shared = NULL, *out_dir = "renders", *path = "../jobs/batch.json";
    int verbose = 0, opt;
    while ((opt = getopt(argc, argv, "vo:s:")) != -1) {
        switch (opt) {
        case 'v': verbose = 1; break;
        case 'o': out_dir = optarg; break;
        case 's': shared = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-v] [-o OUTPUT_DIR] [-s SHARED_JSON] [BATCH_JSON_FILE]\n",
                    argv[0]);
            return 2;
        }
    }
    if (optind < argc) path = argv[optind];

    printf("georender %s (header %s)\n", gr_version(), GR_VERSION_STRING);
    if (gr_version_major() != GR_VERSION_MAJOR) {
        fprintf(stderr, "library major version %u does not match the header's %d\n",
                gr_version_major(), GR_VERSION_MAJOR);
        return 2;
    }

    char *body = read_file(path);
    if (!body) return 2;

    char settings[4200], dir_json[4100];
    json_string(dir_json, sizeof dir_json, out_dir);
    snprintf(settings, sizeof settings, "{\"output_dir\": %s}", dir_json);

    GrEngine *engine = NULL;
    GrStatus st = gr_engine_new(settings, &engine);
    if (st != GR_OK) {
        free(body);
        return fail("gr_engine_new", st);
    }

    GrBatch *batch = NULL;
    st = gr_render_batch(engine, body, shared, on_progress, NULL, &batch);
    free(body);
    if (st != GR_OK) {
        gr_engine_free(engine);
        return fail("gr_render_batch", st);
    }
    printf("batch %s submitted from %s%s%s\n", gr_batch_id(batch), path,
           shared ? " with shared options " : "", shared ? shared : "");

    char *status_json = NULL;
    st = gr_batch_wait(batch, -1, &status_json);
    if (st != GR_OK && st != GR_CANCELLED) {
        gr_batch_free(batch);
        gr_engine_free(engine);
        return fail("gr_batch_wait", st);
    }
    if (verbose) printf("%s\n", status_json);
    gr_string_free(status_json);

    GrBatchCounts counts;
    st = gr_batch_counts(batch, &counts);
    gr_batch_free(batch);
    gr_engine_free(engine);
    if (st != GR_OK) return fail("gr_batch_counts", st);

    printf("%zu complete, %zu failed, %zu cancelled, %zu total\n", counts.completed, counts.failed,
           counts.cancelled, counts.total);
    return counts.completed == counts.total ? 0 : 1;
}
