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
 * a kill -9 during a burst loses none (repeats are counted and printed); reactions and redactions
 * go out too. Files into inbound webhooks: a PNG and a multipart PDF posted and downloaded back.
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
    assertThat(room.awaitReplyTo(command).body())
        .isEqualTo(
            "Room configured to bridge outbound webhooks. See admin room for the secret token.");
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

  /** The {@code type} of the event in a delivery's {@code event} part. */
  private static String eventType(RecordedRequest r) throws Exception {
    String type = r.getHeaders().get("Content-Type");
    String boundary = type.substring(type.indexOf("boundary=") + "boundary=".length());
    try (okhttp3.MultipartReader reader =
        new okhttp3.MultipartReader(new okio.Buffer().write(r.getBody()), boundary)) {
      okhttp3.MultipartReader.Part part;
      while ((part = reader.nextPart()) != null) {
        if (part.headers().get("Content-Disposition").contains("name=\"event\""))
          return grapple.state.Json.MAPPER.readTree(part.body().readUtf8()).path("type").asText();
      }
    }
    return "";
  }

  @Test
  void aReactionAndARedactionGoOutTooInRoomOrder() throws Exception {
    MatrixUser alice = cast.alice();
    String message = room.send(alice, "react to me");
    String reaction =
        alice
            .request(
                "PUT",
                alice.api("rooms", room.id, "send", "m.reaction", "r" + System.nanoTime()).build(),
                grapple.state.Json.readObject(
                    """
                    {"m.relates_to":{"rel_type":"m.annotation","event_id":"%s","key":"👍"}}"""
                        .formatted(message)))
            .path("event_id")
            .asText();
    String redaction =
        alice
            .request(
                "PUT",
                alice.api("rooms", room.id, "redact", reaction, "x" + System.nanoTime()).build(),
                grapple.state.Json.object().put("reason", "changed my mind"))
            .path("event_id")
            .asText();

    awaitAll(List.of(message, reaction, redaction));

    assertThat(eventType(firstByEvent().get(message))).isEqualTo("m.room.message");
    assertThat(eventType(firstByEvent().get(reaction))).isEqualTo("m.reaction");
    assertThat(eventType(firstByEvent().get(redaction))).isEqualTo("m.room.redaction");
    assertThat(firstByEvent().get(redaction).getBody().utf8()).contains(reaction);
  }

  private static final byte[] PNG =
      HexFormat.of()
          .parseHex(
              "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                  + "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082");

  private final okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();

  private okhttp3.Response call(okhttp3.Request.Builder request) throws Exception {
    return http.newCall(
            request.header("Authorization", "Bearer " + cast.alice().accessToken()).build())
        .execute();
  }

  /**
   * Downloads from the homeserver the media that the bot's {@code message} carries (its mxc URL).
   */
  private okhttp3.Response download(MatrixUser.Seen message) throws Exception {
    String mxc = message.content().path("url").asText();
    String homeserver = grapple.testing.Homeserver.require().url;
    return call(
        new okhttp3.Request.Builder()
            .url(homeserver + "/_matrix/client/v1/media/download/" + mxc.substring(6)));
  }

  @Test
  void anImageMessageCarriesItsBytesFetchedFromTheHomeserver() throws Exception {
    String homeserver = grapple.testing.Homeserver.require().url;
    String mxc;
    try (okhttp3.Response up =
        call(
            new okhttp3.Request.Builder()
                .url(homeserver + "/_matrix/media/v3/upload?filename=dot.png")
                .post(okhttp3.RequestBody.create(PNG, okhttp3.MediaType.get("image/png"))))) {
      assertThat(up.code()).isEqualTo(200);
      mxc = grapple.state.Json.MAPPER.readTree(up.body().string()).path("content_uri").asText();
    }
    com.fasterxml.jackson.databind.node.ObjectNode content =
        grapple.state.Json.object()
            .put("msgtype", "m.image")
            .put("body", "dot.png")
            .put("url", mxc);
    String eventId;
    try (okhttp3.Response sent =
        call(
            new okhttp3.Request.Builder()
                .url(
                    homeserver
                        + "/_matrix/client/v3/rooms/"
                        + java.net.URLEncoder.encode(room.id, StandardCharsets.UTF_8)
                        + "/send/m.room.message/img"
                        + System.nanoTime())
                .put(
                    okhttp3.RequestBody.create(
                        grapple.state.Json.write(content),
                        okhttp3.MediaType.get("application/json"))))) {
      assertThat(sent.code()).isEqualTo(200);
      eventId = grapple.state.Json.MAPPER.readTree(sent.body().string()).path("event_id").asText();
    }

    Await.until(Duration.ofSeconds(30), () -> firstByEvent().containsKey(eventId));

    RecordedRequest r = firstByEvent().get(eventId);
    String type = r.getHeaders().get("Content-Type");
    String boundary = type.substring(type.indexOf("boundary=") + "boundary=".length());
    byte[] media = null;
    try (okhttp3.MultipartReader reader =
        new okhttp3.MultipartReader(new okio.Buffer().write(r.getBody()), boundary)) {
      okhttp3.MultipartReader.Part part;
      while ((part = reader.nextPart()) != null) {
        if (part.headers().get("Content-Disposition").contains("name=\"media\""))
          media = part.body().readByteArray();
      }
    }
    assertThat(media).as("the media part").isEqualTo(PNG);
  }

  @Test
  void aPngPostedToAnInboundWebhookIsPostedAsAnImageAndDownloadable() throws Exception {
    TestRoom.CreatedHook hook = room.createWebhook("files");
    long mark = cast.alice().mark();
    try (okhttp3.Response posted =
        http.newCall(
                new okhttp3.Request.Builder()
                    .url(hook.url())
                    .post(okhttp3.RequestBody.create(PNG, okhttp3.MediaType.get("image/png")))
                    .build())
            .execute()) {
      assertThat(posted.code()).isEqualTo(202);
    }
    MatrixUser.Seen image = room.awaitBotMessage(mark);
    assertThat(image.content().path("msgtype").asText()).isEqualTo("m.image");
    try (okhttp3.Response got = download(image)) {
      assertThat(got.code()).isEqualTo(200);
      assertThat(got.body().bytes()).isEqualTo(PNG);
    }
  }

  /**
   * A one-page PDF ("Nightly report") with a correct cross-reference table: the offsets are counted
   * as it is written, so readers that check them open it.
   */
  static byte[] pdf() {
    List<String> objects =
        List.of(
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R"
                + " /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 50 Td (Nightly report) Tj ET\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    StringBuilder out = new StringBuilder("%PDF-1.4\n");
    List<Integer> offsets = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      offsets.add(out.length());
      out.append(i + 1).append(" 0 obj\n").append(objects.get(i)).append("\nendobj\n");
    }
    int xref = out.length();
    out.append("xref\n0 ").append(objects.size() + 1).append("\n0000000000 65535 f \n");
    for (int offset : offsets) out.append(String.format("%010d 00000 n \n", offset));
    out.append("trailer\n<< /Size ")
        .append(objects.size() + 1)
        .append(" /Root 1 0 R >>\nstartxref\n")
        .append(xref)
        .append("\n%%EOF\n");
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void aPdfPostedAsMultipartIsPostedAsAFileAndDownloadableByteForByte() throws Exception {
    TestRoom.CreatedHook hook = room.createWebhook("reports");
    byte[] pdf = pdf();
    long mark = cast.alice().mark();
    okhttp3.MultipartBody form =
        new okhttp3.MultipartBody.Builder()
            .setType(okhttp3.MultipartBody.FORM)
            .addFormDataPart("text", "Nightly report")
            .addFormDataPart(
                "file",
                "report.pdf",
                okhttp3.RequestBody.create(pdf, okhttp3.MediaType.get("application/pdf")))
            .build();
    try (okhttp3.Response posted =
        http.newCall(new okhttp3.Request.Builder().url(hook.url()).post(form).build()).execute()) {
      assertThat(posted.code()).isEqualTo(202);
    }
    MatrixUser.Seen file = room.awaitBotMessage(mark);
    assertThat(file.content().path("msgtype").asText()).isEqualTo("m.file");
    assertThat(file.content().path("body").asText()).isEqualTo("Nightly report");
    assertThat(file.content().path("filename").asText()).isEqualTo("report.pdf");
    assertThat(file.content().path("info").path("mimetype").asText()).isEqualTo("application/pdf");
    assertThat(file.content().path("info").path("size").asInt()).isEqualTo(pdf.length);
    try (okhttp3.Response got = download(file)) {
      assertThat(got.code()).isEqualTo(200);
      assertThat(got.header("Content-Type")).startsWith("application/pdf");
      assertThat(got.body().bytes()).isEqualTo(pdf);
    }
  }

  @Test
  void aBarePdfBodyIsRefusedSayingToSendItAsMultipart() throws Exception {
    TestRoom.CreatedHook hook = room.createWebhook("bare-pdf");

    try (okhttp3.Response posted =
        http.newCall(
                new okhttp3.Request.Builder()
                    .url(hook.url())
                    .post(
                        okhttp3.RequestBody.create(pdf(), okhttp3.MediaType.get("application/pdf")))
                    .build())
            .execute()) {
      assertThat(posted.code()).isEqualTo(415);
      assertThat(posted.body().string())
          .contains("application/pdf")
          .contains("'file' part of multipart/form-data");
    }
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
