package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import grapple.testing.MatrixUser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outbound hooks on the shared Synapse, to a receiver on loopback (allowPrivateAddresses): room
 * messages arrive in order, signed with the token, a 500 is retried with the same delivery id, and
 * a kill -9 during a burst loses none (repeats are counted and printed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboundE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();

  private final MockWebServer receiver = new MockWebServer();
  private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
  private final AtomicBoolean failedOnce = new AtomicBoolean();
  private Cast cast;
  private GrappleProcess bot;
  private TestRoom room;

  @BeforeAll
  void start() throws Exception {
    receiver.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            received.add(request);
            boolean retryMe = request.getBody().utf8().contains("retry-me");
            if (retryMe && failedOnce.compareAndSet(false, true))
              return new MockResponse.Builder().code(500).build();
            return new MockResponse.Builder().code(200).build();
          }
        });
    receiver.start();
    cast = Cast.require();
    bot =
        watched.watch(
            GrappleProcess.prepare("outbound", cast)
                .launch(
                    "outbound: {enabled: true, allowPrivateAddresses: true, maxRetryDelay: 2s}\n"));
    room = TestRoom.create(cast.alice(), bot);
    String command =
        room.send(cast.alice(), "!grapple outbound-hook ci " + receiver.url("/in") + " POST");
    assertThat(room.awaitReplyTo(command).body()).contains("Outbound hook `ci` created");
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  /** The first request for each event id, in arrival order. */
  private Map<String, RecordedRequest> firstByEvent() {
    Map<String, RecordedRequest> out = new LinkedHashMap<>();
    for (RecordedRequest r : received) {
      String id = r.getHeaders().get("X-Matrix-Hookshot-EventId");
      if (id != null) out.putIfAbsent(id, r);
    }
    return out;
  }

  private static String hmac(String token, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
  }

  private void awaitAll(List<String> ids) {
    Await.until(Duration.ofSeconds(60), () -> firstByEvent().keySet().containsAll(ids));
    List<String> order = new ArrayList<>(firstByEvent().keySet());
    order.retainAll(ids);
    assertThat(order).as("first arrivals in room order").isEqualTo(ids);
  }

  @Test
  void messagesArriveInOrderSignedAndARetryKeepsItsDeliveryId() throws Exception {
    MatrixUser alice = cast.alice();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) ids.add(room.send(alice, (i == 2 ? "retry-me " : "hello ") + i));

    awaitAll(ids);

    for (String id : ids) {
      RecordedRequest r = firstByEvent().get(id);
      assertThat(r.getHeaders().get("X-Matrix-Hookshot-RoomId")).isNotBlank();
      String token = r.getHeaders().get("X-Matrix-Hookshot-Token");
      assertThat(token).startsWith("hs-ob-");
      assertThat(r.getHeaders().get("X-Grapple-Signature-256"))
          .isEqualTo(hmac(token, r.getBody().toByteArray()));
      assertThat(r.getHeaders().get("Content-Type")).startsWith("multipart/form-data");
      assertThat(r.getBody().utf8()).contains("event_data.json").contains(id);
    }
    Await.until(
        Duration.ofSeconds(30),
        () -> received.stream().filter(r -> r.getBody().utf8().contains("retry-me")).count() == 2);
    List<String> deliveries =
        received.stream()
            .filter(r -> r.getBody().utf8().contains("retry-me"))
            .map(r -> r.getHeaders().get("X-Grapple-Delivery"))
            .toList();
    assertThat(deliveries).hasSize(2);
    assertThat(deliveries.get(0)).isEqualTo(deliveries.get(1));
  }

  @Test
  void aKillDuringABurstLosesNothing() throws Exception {
    MatrixUser alice = cast.alice();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(room.send(alice, "burst " + i));
      if (i == 12) bot.kill();
    }
    bot.start();

    awaitAll(ids);

    Map<String, Integer> perDelivery = new LinkedHashMap<>();
    for (RecordedRequest r : received) {
      String id = r.getHeaders().get("X-Matrix-Hookshot-EventId");
      if (ids.contains(id))
        perDelivery.merge(r.getHeaders().get("X-Grapple-Delivery"), 1, Integer::sum);
    }
    long repeated = perDelivery.values().stream().filter(n -> n > 1).count();
    System.err.printf(
        "outbound kill -9 test: %d events, %d deliveries, %d repeated%n",
        ids.size(), perDelivery.size(), repeated);
    assertThat(perDelivery).as("one delivery id per event").hasSize(ids.size());
  }
}
