package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StringSearchTest {
  private static final StringSearch.Steps UNCOUNTED = n -> {};

  @Test
  void findsWhatStringFindsFromEveryStart() {
    Random random = new Random(7);
    for (int round = 0; round < 3000; round++) {
      String text = word(random, random.nextInt(40));
      int start = text.isEmpty() ? 0 : random.nextInt(text.length());
      String sought =
          random.nextBoolean()
              ? text.substring(start, start + random.nextInt(text.length() - start + 1))
              : word(random, random.nextInt(6));
      for (int from = -2; from <= text.length() + 2; from++) {
        assertThat(StringSearch.indexOf(text, sought, from, UNCOUNTED))
            .as("'%s'.indexOf('%s', %d)", text, sought, from)
            .isEqualTo(text.indexOf(sought, from));
        assertThat(StringSearch.lastIndexOf(text, sought, from, UNCOUNTED))
            .as("'%s'.lastIndexOf('%s', %d)", text, sought, from)
            .isEqualTo(text.lastIndexOf(sought, from));
      }
    }
  }

  @Test
  void itsStepsAreLinearInBothLengthsWhereStringsAreQuadratic() {
    String text = "a".repeat(1 << 16);
    String forwards = "a".repeat(1 << 12) + "b";
    String backwards = "b" + "a".repeat(1 << 12);
    AtomicLong steps = new AtomicLong();
    StringSearch.Steps counted = steps::addAndGet;

    assertThat(StringSearch.indexOf(text, forwards, 0, counted)).isEqualTo(-1);
    assertThat(steps.get())
        .isBetween((long) text.length(), 2L * (text.length() + forwards.length()));

    steps.set(0);
    assertThat(StringSearch.lastIndexOf(text, backwards, text.length(), counted)).isEqualTo(-1);
    assertThat(steps.get())
        .isBetween(
            (long) text.length() - backwards.length(), 2L * (text.length() + backwards.length()));
  }

  @Test
  void stepsAreToldAFewAtATime() {
    AtomicLong tells = new AtomicLong();
    AtomicLong steps = new AtomicLong();
    StringSearch.indexOf(
        "ab".repeat(20_000),
        "ab".repeat(100) + "c",
        0,
        n -> {
          assertThat(n).isPositive().isLessThanOrEqualTo(StringSearch.TOLD_EVERY);
          tells.incrementAndGet();
          steps.addAndGet(n);
        });
    assertThat(tells.get()).isGreaterThanOrEqualTo(steps.get() / StringSearch.TOLD_EVERY);
  }

  private static String word(Random random, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) b.append((char) ('a' + random.nextInt(2)));
    return b.toString();
  }
}
