package grapple.bot.webhook;

import grapple.state.Fatal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bodies waiting for their hook's script or in it, hook by hook. Hooks take turns on the script
 * threads: a thread runs one body of a hook, then that hook goes to the back of the line. And one
 * hook holds at most a quarter of what may wait (bodies and bytes), so a sender flooding one hook's
 * URL fills that hook's share and slows that hook only: every other hook's body is still taken, and
 * runs after at most one turn of each hook before it.
 */
final class ScriptTurns {
  private static final Logger log = LoggerFactory.getLogger(ScriptTurns.class);

  /** Whether a body was taken, and if not, whose limit it met. */
  enum Offer {
    TAKEN,
    /** Everything that may wait is waiting: the bot is busy. */
    FULL,
    /** This hook holds its share: only its own sender waits. */
    HOOK_FULL
  }

  private final Executor threads;
  private final int workers;
  private final int maxBodies;
  private final long maxBytes;

  /** Hooks holding a body (waiting or running); guarded by this. */
  private final Map<String, Hook> holding = new HashMap<>();

  /** Hooks with a body waiting, in turn order; guarded by this. */
  private final ArrayDeque<Hook> line = new ArrayDeque<>();

  private int bodies;
  private long bytes;
  private int running;

  /**
   * Runs scripts on {@code threads}, {@code workers} at once at most; {@code maxBodies} and {@code
   * maxBytes} bound what waits or runs (one body is always let in when nothing is held, as it is
   * for a hook holding nothing within its share).
   */
  ScriptTurns(Executor threads, int workers, int maxBodies, long maxBytes) {
    if (workers < 1 || maxBodies < 4 || maxBytes < 4)
      throw new IllegalArgumentException(
          "need a worker and room for four hooks, was "
              + workers
              + ", "
              + maxBodies
              + ", "
              + maxBytes);
    this.threads = threads;
    this.workers = workers;
    this.maxBodies = maxBodies;
    this.maxBytes = maxBytes;
  }

  /** A hook's bodies held; {@code waiting} are those not yet running, oldest first. */
  private static final class Hook {
    final String key;
    final ArrayDeque<Body> waiting = new ArrayDeque<>();
    int bodies;
    long bytes;

    Hook(String key) {
      this.key = key;
    }
  }

  /** A body to run; equal only to itself, so it can be taken back. */
  private static final class Body {
    final long size;
    final Runnable script;

    Body(long size, Runnable script) {
      this.size = size;
      this.script = script;
    }
  }

  /**
   * Queues {@code script} for the hook {@code key} (not a secret: it may be named in errors), a
   * body of {@code size} bytes; it runs on one of the threads when the hook's turn comes.
   */
  Offer offer(String key, long size, Runnable script) {
    Hook hook;
    Body body = new Body(size, script);
    boolean startWorker;
    synchronized (this) {
      if (bodies >= maxBodies || (bytes > 0 && bytes + size > maxBytes)) return Offer.FULL;
      hook = holding.computeIfAbsent(key, Hook::new);
      if (hook.bodies >= maxBodies / 4 || (hook.bytes > 0 && hook.bytes + size > maxBytes / 4)) {
        if (hook.bodies == 0) holding.remove(key);
        return Offer.HOOK_FULL;
      }
      hook.waiting.add(body);
      if (hook.waiting.size() == 1) line.add(hook);
      hook.bodies++;
      hook.bytes += size;
      bodies++;
      bytes += size;
      startWorker = running < workers;
      if (startWorker) running++;
    }
    if (startWorker) {
      try {
        threads.execute(this::work);
      } catch (RejectedExecutionException e) {
        // Closed: the body is given back, and its sender told the bot is busy (unless a worker
        // already running took it).
        synchronized (this) {
          running--;
          if (hook.waiting.removeFirstOccurrence(body)) {
            if (hook.waiting.isEmpty()) line.remove(hook);
            done(hook, size);
            return Offer.FULL;
          }
        }
      }
    }
    return Offer.TAKEN;
  }

  /** Runs hooks' bodies in turn until none waits. */
  private void work() {
    while (true) {
      Hook hook;
      Body body;
      synchronized (this) {
        hook = line.poll();
        if (hook == null) {
          running--;
          return;
        }
        body = hook.waiting.remove();
        if (!hook.waiting.isEmpty()) line.add(hook);
      }
      try {
        body.script.run();
      } catch (Throwable e) {
        // The receiver's scripts answer their own failures; anything that still gets here must
        // not end this worker (its count would never come back).
        Fatal.haltIfFatal(e);
        log.error("a webhook script's run failed outside its answer", e);
      } finally {
        synchronized (this) {
          done(hook, body.size);
        }
      }
    }
  }

  /** A body of {@code hook} is done with; guarded by this. */
  private void done(Hook hook, long size) {
    hook.bodies--;
    hook.bytes -= size;
    bodies--;
    bytes -= size;
    if (hook.bodies == 0) holding.remove(hook.key);
  }

  /** Bodies waiting or running, for tests. */
  synchronized int held() {
    return bodies;
  }
}
