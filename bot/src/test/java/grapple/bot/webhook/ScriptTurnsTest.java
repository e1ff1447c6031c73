package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class ScriptTurnsTest {
  /** Runs what it is given only when told to. */
  private static final class Later implements Executor {
    final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    boolean closed;

    @Override
    public void execute(Runnable command) {
      if (closed) throw new RejectedExecutionException("closed");
      queued.add(command);
    }

    void runAll() {
      for (Runnable r = queued.poll(); r != null; r = queued.poll()) r.run();
    }
  }

  private final Later threads = new Later();
  private final List<String> ran = new ArrayList<>();

  private Runnable script(String name) {
    return () -> ran.add(name);
  }

  @Test
  void hooksTakeTurnsSoABurstToOneHookDoesNotHoldUpTheOthers() {
    ScriptTurns turns = new ScriptTurns(threads, 1, 64, 1 << 20);
    for (String s : List.of("a1", "a2", "a3", "a4")) turns.offer("a", 10, script(s));
    turns.offer("b", 10, script("b1"));
    turns.offer("b", 10, script("b2"));
    turns.offer("c", 10, script("c1"));

    threads.runAll();

    assertThat(ran).containsExactly("a1", "b1", "c1", "a2", "b2", "a3", "a4");
    assertThat(turns.held()).isZero();
  }

  @Test
  void oneHookHoldsAQuarterOfTheBodiesAtMost() {
    ScriptTurns turns = new ScriptTurns(threads, 2, 8, 1 << 20);

    assertThat(turns.offer("a", 1, script("a1"))).isEqualTo(ScriptTurns.Offer.TAKEN);
    assertThat(turns.offer("a", 1, script("a2"))).isEqualTo(ScriptTurns.Offer.TAKEN);
    assertThat(turns.offer("a", 1, script("a3"))).isEqualTo(ScriptTurns.Offer.HOOK_FULL);
    assertThat(turns.offer("b", 1, script("b1"))).isEqualTo(ScriptTurns.Offer.TAKEN);

    threads.runAll();
    assertThat(ran).containsExactly("a1", "b1", "a2");
    assertThat(turns.offer("a", 1, script("a4"))).isEqualTo(ScriptTurns.Offer.TAKEN);
  }

  @Test
  void oneHookHoldsAQuarterOfTheBytesAtMostButAlwaysOneBody() {
    ScriptTurns turns = new ScriptTurns(threads, 2, 64, 400);

    assertThat(turns.offer("a", 100, script("a1"))).isEqualTo(ScriptTurns.Offer.TAKEN);
    assertThat(turns.offer("a", 1, script("a2"))).isEqualTo(ScriptTurns.Offer.HOOK_FULL);
    // A hook holding nothing gets one body over its share, while the whole has room.
    assertThat(turns.offer("b", 250, script("b1"))).isEqualTo(ScriptTurns.Offer.TAKEN);
    assertThat(turns.offer("c", 100, script("c1"))).isEqualTo(ScriptTurns.Offer.FULL);
    assertThat(turns.held()).isEqualTo(2);
  }

  @Test
  void theWholeIsBoundedWhateverTheHooks() {
    ScriptTurns turns = new ScriptTurns(threads, 1, 4, 1 << 20);
    for (String hook : List.of("a", "b", "c", "d"))
      assertThat(turns.offer(hook, 1, script(hook))).isEqualTo(ScriptTurns.Offer.TAKEN);

    assertThat(turns.offer("e", 1, script("e"))).isEqualTo(ScriptTurns.Offer.FULL);

    threads.runAll();
    assertThat(turns.offer("e", 1, script("e"))).isEqualTo(ScriptTurns.Offer.TAKEN);
  }

  @Test
  void aScriptThatThrowsGivesItsShareBackAndTheOthersStillRun() {
    ScriptTurns turns = new ScriptTurns(threads, 1, 8, 1 << 20);
    turns.offer(
        "a",
        10,
        () -> {
          throw new IllegalStateException("boom");
        });
    turns.offer("b", 10, script("b1"));

    threads.runAll();
    turns.offer("a", 10, script("a2"));
    threads.runAll();

    assertThat(ran).containsExactly("b1", "a2");
    assertThat(turns.held()).isZero();
  }

  @Test
  void aBodyOfferedWhenTheThreadsAreClosedIsGivenBack() {
    ScriptTurns turns = new ScriptTurns(threads, 1, 8, 1 << 20);
    threads.closed = true;

    assertThat(turns.offer("a", 10, script("a1"))).isEqualTo(ScriptTurns.Offer.FULL);
    assertThat(turns.held()).isZero();
  }
}
