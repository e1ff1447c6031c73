package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Hostile but correctly signed bodies for the receivers' tests (a leaked secret, or the forge
 * itself sending the unexpected), and the check that what they posted still fits.
 */
final class HostileBodies {
  private HostileBodies() {}

  /**
   * Truncated copies of {@code good}, about half of them with one bit flipped ({@code
   * -Dgrapple.fuzz.cases}, default {@code cases}, seeded by {@code -Dgrapple.fuzz.seed}), then
   * twenty thousand nested arrays.
   */
  static List<byte[]> damaged(byte[] good, int cases) {
    Random random = new Random(Long.getLong("grapple.fuzz.seed", 20261202L));
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < Integer.getInteger("grapple.fuzz.cases", cases); i++) {
      byte[] b = Arrays.copyOf(good, 1 + random.nextInt(good.length));
      if (random.nextBoolean()) b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
      bodies.add(b);
    }
    bodies.add(("[".repeat(20_000) + "]".repeat(20_000)).getBytes(StandardCharsets.UTF_8));
    return bodies;
  }

  /**
   * {@code good} twice more: once with a title of 1.6 MB of markup on its {@code item} object, once
   * with that object an array and its repository's {@code repositoryField} an array too.
   */
  static List<byte[]> hugeTitleAndWrongTypes(byte[] good, String item, String repositoryField)
      throws IOException {
    ObjectNode huge = (ObjectNode) Json.UNTRUSTED.readTree(good);
    ((ObjectNode) huge.get(item)).put("title", "<b>x</b>".repeat(200_000));
    ObjectNode wrong = (ObjectNode) Json.UNTRUSTED.readTree(good);
    wrong.set(item, Json.object().putArray("number").add(1));
    ((ObjectNode) wrong.get("repository")).putArray(repositoryField);
    return List.of(utf8(huge), utf8(wrong));
  }

  /** Every message the gateway gets until two quiet seconds pass fits one Matrix event. */
  static void assertEverySentFits(FakeGateway gateway) throws InterruptedException {
    for (FakeGateway.Sent s : gateway.takeUntilQuiet(Duration.ofSeconds(2))) {
      assertThat(Messages.size(s.content())).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    }
  }

  static byte[] utf8(ObjectNode json) {
    return Json.write(json).getBytes(StandardCharsets.UTF_8);
  }
}
