package grapple.bot;

import grapple.bot.console.ConsoleGateway;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A console a test types into and reads from. */
public final class ScriptedConsole implements ConsoleGateway.Console {
  private static final String END = "\u0000end";
  private final BlockingQueue<String> typed = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> printed = new LinkedBlockingQueue<>();

  public void type(String line) {
    typed.add(line);
  }

  public void end() {
    typed.add(END);
  }

  /**
   * The next printed text containing {@code fragment}, skipping others; fails after five seconds.
   */
  public String awaitPrinted(String fragment) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      String next = printed.poll(50, TimeUnit.MILLISECONDS);
      if (next != null && next.contains(fragment)) return next;
    }
    throw new AssertionError("nothing containing '" + fragment + "' was printed");
  }

  /**
   * The printed texts containing each of {@code fragments}, in the order of {@code fragments}
   * whatever order they came in (messages to different rooms are delivered in parallel), skipping
   * others; fails after five seconds.
   */
  public List<String> awaitAllPrinted(String... fragments) throws InterruptedException {
    String[] found = new String[fragments.length];
    int missing = fragments.length;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (missing > 0 && System.nanoTime() < deadline) {
      String next = printed.poll(50, TimeUnit.MILLISECONDS);
      if (next == null) continue;
      for (int i = 0; i < fragments.length; i++) {
        if (found[i] == null && next.contains(fragments[i])) {
          found[i] = next;
          missing--;
          break;
        }
      }
    }
    if (missing > 0)
      throw new AssertionError(
          "not all of " + Arrays.toString(fragments) + " were printed: " + Arrays.toString(found));
    return List.of(found);
  }

  /** Whatever is printed within {@code millis}, or null. */
  public String nextPrinted(long millis) throws InterruptedException {
    return printed.poll(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void readLines(Consumer<String> onLine) {
    try {
      for (String line = typed.take(); !line.equals(END); line = typed.take()) onLine.accept(line);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void print(String text) {
    printed.add(text);
  }
}
