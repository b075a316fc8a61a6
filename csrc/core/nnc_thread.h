/* A tiny thread layer: POSIX threads or Win32 threads behind one set of
 * names, so threaded code is written once and runs threaded on Linux, macOS
 * and Windows.  Header only (static inline).
 *
 *   NNC_HAVE_THREADS              1 when threads exist on this platform
 *   nnc_mutex_t / nnc_cond_t / nnc_thread_t
 *   nnc_mutex_init/destroy/lock/unlock/trylock   (init, trylock: 0 on success)
 *   nnc_cond_init/destroy/wait/broadcast         (init: 0 on success)
 *   nnc_thread_start(&t, fn, arg)                (0 on success), nnc_thread_join
 *
 * Without threads (NNC_HAVE_THREADS 0) the mutex calls do nothing, trylock
 * always succeeds and nnc_thread_start always fails, so callers fall back to
 * running everything on the calling thread. */
#ifndef NNC_THREAD_H
#define NNC_THREAD_H

#if defined(_WIN32)
#define NNC_HAVE_THREADS 1
#define NNC_THREADS_WIN32 1
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <process.h>
#include <windows.h>
#elif defined(__unix__) || defined(__APPLE__)
#define NNC_HAVE_THREADS 1
#define NNC_THREADS_PTHREAD 1
#include <pthread.h>
#else
#define NNC_HAVE_THREADS 0
#endif

typedef void (*nnc_thread_fn)(void *arg);

#if defined(NNC_THREADS_WIN32)
/* Slim reader/writer locks and condition variables (Vista and later):
 * no destruction needed, never fail to initialise. */
typedef SRWLOCK nnc_mutex_t;
typedef CONDITION_VARIABLE nnc_cond_t;
typedef struct {
    HANDLE handle;
} nnc_thread_t;
typedef struct {
    nnc_thread_fn fn;
    void *arg;
} nnc_thread_start_t;

static inline int nnc_mutex_init(nnc_mutex_t *m) { InitializeSRWLock(m); return 0; }
static inline void nnc_mutex_destroy(nnc_mutex_t *m) { (void)m; }
static inline void nnc_mutex_lock(nnc_mutex_t *m) { AcquireSRWLockExclusive(m); }
static inline void nnc_mutex_unlock(nnc_mutex_t *m) { ReleaseSRWLockExclusive(m); }
static inline int nnc_mutex_trylock(nnc_mutex_t *m)
{
    return TryAcquireSRWLockExclusive(m) ? 0 : -1;
}
static inline int nnc_cond_init(nnc_cond_t *c) { InitializeConditionVariable(c); return 0; }
static inline void nnc_cond_destroy(nnc_cond_t *c) { (void)c; }
static inline void nnc_cond_wait(nnc_cond_t *c, nnc_mutex_t *m)
{
    SleepConditionVariableSRW(c, m, INFINITE, 0);
}
static inline void nnc_cond_broadcast(nnc_cond_t *c) { WakeAllConditionVariable(c); }

static inline unsigned __stdcall nnc_thread_tramp_(void *p)
{
    nnc_thread_start_t s = *(nnc_thread_start_t *)p;
    HeapFree(GetProcessHeap(), 0, p);
    s.fn(s.arg);
    return 0;
}
static inline int nnc_thread_start(nnc_thread_t *t, nnc_thread_fn fn, void *arg)
{
    nnc_thread_start_t *s =
        (nnc_thread_start_t *)HeapAlloc(GetProcessHeap(), 0, sizeof(nnc_thread_start_t));
    if (s == NULL)
        return -1;
    s->fn = fn;
    s->arg = arg;
    /* _beginthreadex (not CreateThread) sets up the C runtime for the thread. */
    uintptr_t h = _beginthreadex(NULL, 0, nnc_thread_tramp_, s, 0, NULL);
    if (h == 0) {
        HeapFree(GetProcessHeap(), 0, s);
        return -1;
    }
    t->handle = (HANDLE)h;
    return 0;
}
static inline void nnc_thread_join(nnc_thread_t t)
{
    WaitForSingleObject(t.handle, INFINITE);
    CloseHandle(t.handle);
}

#elif defined(NNC_THREADS_PTHREAD)
typedef pthread_mutex_t nnc_mutex_t;
typedef pthread_cond_t nnc_cond_t;
typedef struct {
    pthread_t id;
} nnc_thread_t;
typedef struct {
    nnc_thread_fn fn;
    void *arg;
} nnc_thread_start_t;

static inline int nnc_mutex_init(nnc_mutex_t *m) { return pthread_mutex_init(m, NULL); }
static inline void nnc_mutex_destroy(nnc_mutex_t *m) { pthread_mutex_destroy(m); }
static inline void nnc_mutex_lock(nnc_mutex_t *m) { pthread_mutex_lock(m); }
static inline void nnc_mutex_unlock(nnc_mutex_t *m) { pthread_mutex_unlock(m); }
static inline int nnc_mutex_trylock(nnc_mutex_t *m)
{
    return pthread_mutex_trylock(m) == 0 ? 0 : -1;
}
static inline int nnc_cond_init(nnc_cond_t *c) { return pthread_cond_init(c, NULL); }
static inline void nnc_cond_destroy(nnc_cond_t *c) { pthread_cond_destroy(c); }
static inline void nnc_cond_wait(nnc_cond_t *c, nnc_mutex_t *m) { pthread_cond_wait(c, m); }
static inline void nnc_cond_broadcast(nnc_cond_t *c) { pthread_cond_broadcast(c); }

#include <stdlib.h>
static inline void *nnc_thread_tramp_(void *p)
{
    nnc_thread_start_t s = *(nnc_thread_start_t *)p;
    free(p);
    s.fn(s.arg);
    return NULL;
}
static inline int nnc_thread_start(nnc_thread_t *t, nnc_thread_fn fn, void *arg)
{
    nnc_thread_start_t *s = (nnc_thread_start_t *)malloc(sizeof *s);
    if (s == NULL)
        return -1;
    s->fn = fn;
    s->arg = arg;
    if (pthread_create(&t->id, NULL, nnc_thread_tramp_, s) != 0) {
        free(s);
        return -1;
    }
    return 0;
}
static inline void nnc_thread_join(nnc_thread_t t) { pthread_join(t.id, NULL); }

#else /* no threads: everything runs on the caller */
typedef int nnc_mutex_t;
typedef int nnc_cond_t;
typedef int nnc_thread_t;
static inline int nnc_mutex_init(nnc_mutex_t *m) { *m = 0; return 0; }
static inline void nnc_mutex_destroy(nnc_mutex_t *m) { (void)m; }
static inline void nnc_mutex_lock(nnc_mutex_t *m) { (void)m; }
static inline void nnc_mutex_unlock(nnc_mutex_t *m) { (void)m; }
static inline int nnc_mutex_trylock(nnc_mutex_t *m) { (void)m; return 0; }
static inline int nnc_cond_init(nnc_cond_t *c) { *c = 0; return 0; }
static inline void nnc_cond_destroy(nnc_cond_t *c) { (void)c; }
static inline void nnc_cond_wait(nnc_cond_t *c, nnc_mutex_t *m) { (void)c; (void)m; }
static inline void nnc_cond_broadcast(nnc_cond_t *c) { (void)c; }
static inline int nnc_thread_start(nnc_thread_t *t, nnc_thread_fn fn, void *arg)
{
    (void)t; (void)fn; (void)arg;
    return -1;
}
static inline void nnc_thread_join(nnc_thread_t t) { (void)t; }
#endif

#endif /* NNC_THREAD_H */
