package grapple.bot.rpc;

import static grapple.bot.LocalMode.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random JSON at {@code /_admin/api} (seeded, so a failure repeats): every answer is HTTP 200 in
 * the response shape, never a 5xx or a hang, with the request's id echoed.
 */
class JsonRpcFuzzTest {
  private static final long SEED = 20261201L;
  private static final int CALLS = 400;
  private static final List<String> METHODS =
      Stream.concat(
              LocalRpc.CORE_METHODS.stream(),
              Stream.of("get_links", "get_link", "create_link", "nope"))
          .toList();
  private static final List<String> ARG_NAMES =
      List.of("roomid", "userid", "type", "config", "connectionid", "linkid", "matrix", "github");

  @TempDir static Path dir;
  @AutoClose private static LocalRpc grapple;

  @BeforeAll
  static void start() throws Exception {
    grapple = LocalRpc.start(dir);
  }

  @Test
  @Timeout(120)
  void randomCallsAlwaysAnswer200WithTheIdEchoed() {
    Random random = new Random(SEED);
    for (int i = 0; i < CALLS; i++) {
      ObjectNode request = request(random);

      LocalRpc.Answer a = grapple.post(Json.write(request));

      assertThat(a.status()).as("call %d: %s", i, request).isEqualTo(200);
      JsonNode answer = a.json();
      JsonNode id = request.get("id");
      assertThat(answer.get("id"))
          .as("call %d: %s", i, request)
          .isEqualTo(id == null ? Json.MAPPER.nullNode() : id);
      assertThat(answer.get("result").isNull() != answer.get("error").isNull())
          .as("call %d: exactly one of result and error: %s", i, answer)
          .isTrue();
      assertThat(a.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  @Test
  @Timeout(60)
  void randomBytesAlwaysAnswer200() {
    Random random = new Random(SEED + 1);
    for (int i = 0; i < 100; i++) {
      byte[] bytes = new byte[random.nextInt(64)];
      random.nextBytes(bytes);

      LocalRpc.Answer a =
          grapple.post(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));

      assertThat(a.status()).isEqualTo(200);
      assertThat(a.json().get("error").isTextual()).isTrue();
    }
  }

  private static ObjectNode request(Random random) {
    ObjectNode request = Json.object();
    if (random.nextInt(10) > 0) request.set("id", value(random, 2));
    if (random.nextInt(10) > 0)
      request.put("api_key", random.nextInt(5) == 0 ? "wrong-key-0123456789" : SECRET);
    if (random.nextInt(10) > 0) {
      request.set(
          "method",
          random.nextInt(8) == 0
              ? value(random, 1)
              : Json.MAPPER.getNodeFactory().textNode(METHODS.get(random.nextInt(METHODS.size()))));
    }
    if (random.nextInt(10) > 0) {
      if (random.nextInt(6) == 0) {
        request.set("args", value(random, 2));
      } else {
        ObjectNode args = request.putObject("args");
        int n = random.nextInt(4);
        for (int j = 0; j < n; j++)
          args.set(ARG_NAMES.get(random.nextInt(ARG_NAMES.size())), value(random, 2));
      }
    }
    return request;
  }

  /** A random JSON value, nested at most {@code depth} deep. */
  private static JsonNode value(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 8 : 6);
    return switch (kind) {
      case 0 -> Json.MAPPER.nullNode();
      case 1 -> Json.MAPPER.getNodeFactory().booleanNode(random.nextBoolean());
      case 2 -> Json.MAPPER.getNodeFactory().numberNode(random.nextLong());
      case 3 -> Json.MAPPER.getNodeFactory().numberNode(random.nextDouble());
      case 4 -> Json.MAPPER.getNodeFactory().textNode(text(random));
      case 5 ->
          Json.MAPPER
              .getNodeFactory()
              .textNode(random.nextBoolean() ? "!console:localhost" : "@console:localhost");
      case 6 -> {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (int i = random.nextInt(3); i > 0; i--) a.add(value(random, depth - 1));
        yield a;
      }
      default -> {
        ObjectNode o = Json.object();
        for (int i = random.nextInt(3); i > 0; i--) o.set(text(random), value(random, depth - 1));
        yield o;
      }
    };
  }

  private static String text(Random random) {
    StringBuilder s = new StringBuilder();
    for (int i = random.nextInt(12); i > 0; i--) s.append((char) (32 + random.nextInt(0x2000)));
    return s.toString();
  }
}
