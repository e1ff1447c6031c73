package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Webhook body → Matrix message, the per-request work of intake. Lives in the bot's package (in the
 * bench module) so it can call the package-private {@link WebhookMessage#build}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WebhookMessageBench {
  private final byte[] textBody =
      "{\"text\":\"Build **#1234** of `main` passed in 3m12s\",\"username\":\"ci\"}"
          .getBytes(StandardCharsets.UTF_8);
  private final byte[] objectBody =
      ("{\"event\":\"push\",\"ref\":\"refs/heads/main\",\"commits\":[{\"id\":\"a1b2c3\","
              + "\"message\":\"Fix the thing\",\"author\":{\"name\":\"Alice\",\"email\":\"alice@example.org\"}}],\"count\":1}")
          .getBytes(StandardCharsets.UTF_8);

  @Benchmark
  public ObjectNode textWebhook() throws Exception {
    return WebhookMessage.build(
        new Payload.Whole(Json.MAPPER.readTree(textBody)), true, textBody.length);
  }

  /** An object without text: pretty-printed into a JSON code block. */
  @Benchmark
  public ObjectNode objectWebhook() throws Exception {
    return WebhookMessage.build(
        new Payload.Whole(Json.MAPPER.readTree(objectBody)), true, objectBody.length);
  }

  /** The same body through a simple v2 script: the cost a transformationFunction adds. */
  private final Transformation script =
      Transformation.compile(
          "result = {version: 'v2', plain: '**' + data.username + '**: ' + data.text,"
              + " msgtype: 'm.notice'};");

  @Benchmark
  public ObjectNode textWebhookWithScript() throws Exception {
    Payload.Whole payload = new Payload.Whole(Json.MAPPER.readTree(textBody));
    return WebhookMessage.fromScript(
        script.run(
            payload.data(),
            new Transformation.Limits(java.time.Duration.ofMillis(500), 64L * 1024 * 1024)),
        payload,
        true,
        textBody.length,
        false);
  }

  /** Baseline: only the Jackson parse of the text body, the floor under textWebhook. */
  @Benchmark
  public JsonNode baselineParseOnly() throws Exception {
    return Json.MAPPER.readTree(textBody);
  }
}
