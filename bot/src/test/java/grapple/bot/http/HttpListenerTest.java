package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import grapple.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class HttpListenerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final HttpListener.Limits SHORT =
      new HttpListener.Limits(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5));

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> answeredOn = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private final AtomicReference<Optional<String>> failure = new AtomicReference<>(Optional.empty());
  private final AtomicInteger arrived = new AtomicInteger();
  private HttpListener listener;

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) s.close();
    if (listener != null) listener.close();
  }

  private void start(Router router, int threads) throws Exception {
    start(router, threads, new InFlight(64L * 1024 * 1024), HttpListener.Limits.DEFAULT);
  }

  private void start(Router router, int threads, InFlight budget, HttpListener.Limits limits)
      throws Exception {
    Health health = TestListeners.readyWith(failure::get);
    listener =
        HttpListener.start(
            new HttpListener.Settings(
                "test",
                new InetSocketAddress("127.0.0.1", 0),
                threads,
                (status, message, id) -> Response.error(status, message + " [" + id + "]"),
                path -> path),
            router,
            new HttpListener.Shared(
                health,
                (name, status, nanos) -> answeredOn.add(Thread.currentThread().getName()),
                budget,
                limits));
  }

  /** Starts a listener of two threads on {@code router} with {@code budget} of bytes in flight. */
  private void start(Router router, InFlight budget) throws Exception {
    start(router, 2, budget, HttpListener.Limits.DEFAULT);
  }

  /** Answers 200, recording in {@code handled} the length of each body it is handed. */
  private static Router.Handler recording200(List<Integer> handled) {
    return request -> {
      handled.add(request.body().length);
      return Response.ok(200);
    };
  }

  /** Answers 202 at once, recording in {@code handled} the length of each body it is handed. */
  private static Router.AsyncHandler recording202(List<Integer> handled) {
    return request -> {
      handled.add(request.body().length);
      return CompletableFuture.completedFuture(Response.ok(202));
    };
  }

  /**
   * Answers with {@code answer} once it is completed, counting the requests that have reached it.
   */
  private Router.AsyncHandler answerLater(CompletableFuture<Response> answer) {
    return request -> {
      arrived.incrementAndGet();
      return answer;
    };
  }

  /** A request to the listener, given up on after 10 s. */
  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.port() + path))
        .timeout(Duration.ofSeconds(10));
  }

  /**
   * Starts a listener with two threads whose {@code GET /later} waits for {@code answer}, and sends
   * that request: returns its response to come once the request has reached the handler.
   */
  private CompletableFuture<HttpResponse<String>> waitingFor(CompletableFuture<Response> answer)
      throws Exception {
    start(new Router().addAsync("GET", "/later", 0, answerLater(answer)), 2);
    CompletableFuture<HttpResponse<String>> response = getLater("/later");
    Await.until(WAIT, () -> arrived.get() == 1);
    return response;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> getLater(String path) {
    return client.sendAsync(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(
        request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A raw connection that has sent {@code head} and nothing more. */
  private Socket rawConnection(String head) throws IOException {
    Socket socket = new Socket("127.0.0.1", listener.port());
    socket.setSoTimeout(10_000);
    sockets.add(socket);
    socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return socket;
  }

  /** What the listener answers on a raw connection that sent {@code raw}, as {@link #readAll}. */
  private String exchange(String raw) throws IOException {
    return readAll(rawConnection(raw));
  }

  /** Everything the server sends until it closes the connection (or 10 s pass). */
  private static String readAll(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  private static String requestId(String rawResponse) {
    for (String line : rawResponse.split("\r\n")) {
      if (line.regionMatches(true, 0, "X-Request-Id: ", 0, 14)) return line.substring(14);
    }
    throw new AssertionError("no X-Request-Id in " + rawResponse);
  }

  private static JsonNode jsonBody(String rawResponse) throws Exception {
    return Json.MAPPER.readTree(rawResponse.substring(rawResponse.indexOf("\r\n\r\n") + 4));
  }

  private static Router echo() {
    return new Router()
        .add(
            "POST",
            "/echo",
            request -> Response.json(200, Json.object().put("bytes", request.body().length)));
  }

  @Test
  void anAnswerCompletedLaterByAnotherThreadIsSent() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();

    CompletableFuture<HttpResponse<String>> response = waitingFor(answer);
    assertThat(response).isNotDone();
    new Thread(() -> answer.complete(Response.ok(202))).start();

    HttpResponse<String> done = response.get(10, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(202);
    assertThat(done.body()).isEqualTo("{\"ok\":true}");
    assertThat(done.headers().firstValue("X-Request-Id"))
        .hasValueSatisfying(id -> assertThat(id).hasSize(8));
  }

  @Test
  void anAnswerCompletedByAnotherThreadIsStillWrittenByTheListenersThreads() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();

    CompletableFuture<HttpResponse<String>> response = waitingFor(answer);
    Thread completer =
        new Thread(() -> answer.complete(Response.ok(202)), "database-writer-stand-in");
    completer.start();

    assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    // The client may read the answer before the listener's thread reports it written.
    Await.until(WAIT, () -> !answeredOn.isEmpty());
    assertThat(answeredOn).singleElement().asString().startsWith("test-http");
  }

  @Test
  void aWaitingAnswerDoesNotHoldTheListenersOnlyThread() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    start(
        new Router()
            .addAsync("GET", "/later", 0, answerLater(answer))
            .add("GET", "/now", request -> Response.ok(200)),
        1);

    CompletableFuture<HttpResponse<String>> waiting = getLater("/later");
    Await.until(WAIT, () -> arrived.get() == 1);

    assertThat(get("/now").statusCode()).isEqualTo(200);
    assertThat(waiting).isNotDone();
    answer.complete(Response.ok(202));
    assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
  }

  @Test
  void anAnswerThatFailsLaterIsA500InTheListenersErrorShape() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();

    CompletableFuture<HttpResponse<String>> response = waitingFor(answer);
    answer.completeExceptionally(new IllegalStateException("boom"));

    HttpResponse<String> done = response.get(10, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(500);
    String id = done.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(done.body())
        .contains("Internal error (request " + id + ")")
        .contains("[" + id + "]");
  }

  @Test
  void aHandlerThatThrowsIsA500() throws Exception {
    start(
        new Router()
            .add(
                "GET",
                "/crash",
                request -> {
                  throw new IllegalStateException("boom");
                }),
        2);

    HttpResponse<String> response = get("/crash");

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).contains("Internal error");
  }

  @Test
  void aHandlerThatOverflowsTheStackIsA500AndTheListenerGoesOn() throws Exception {
    start(
        new Router()
            .add(
                "GET",
                "/deep",
                request -> {
                  throw new StackOverflowError();
                })
            .add("GET", "/fine", request -> Response.ok(200)),
        1);

    assertThat(get("/deep").statusCode()).isEqualTo(500);
    assertThat(get("/deep").statusCode()).isEqualTo(500);

    assertThat(get("/fine").statusCode()).isEqualTo(200);
  }

  @Test
  void unknownPathsAre404AndWrongMethods405WithAllow() throws Exception {
    start(new Router().add("POST", "/thing", request -> Response.ok(200)), 2);

    assertThat(get("/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> wrongMethod = get("/thing");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
    assertThat(get("/live").statusCode()).isEqualTo(200);
  }

  @Test
  void headOnAGetRouteAnswersAsGetWithoutABody() throws Exception {
    List<String> methods = new CopyOnWriteArrayList<>();
    start(
        new Router()
            .add(
                "GET",
                "/things/{id}",
                request -> {
                  methods.add(request.method() + " " + request.pathParam("id"));
                  return Response.json(200, Json.object().put("id", request.pathParam("id")));
                })
            .add("POST", "/only-post", request -> Response.ok(200)),
        2);

    // Pipelined on one connection: a body sent after the HEAD answer would be read as the next.
    String answers =
        exchange(
            "HEAD /things/a HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /only-post HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /things/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    List<String> statusLines = answers.lines().filter(line -> line.startsWith("HTTP/1.1")).toList();
    assertThat(statusLines)
        .containsExactly("HTTP/1.1 200 OK", "HTTP/1.1 405 Method Not Allowed", "HTTP/1.1 200 OK");
    assertThat(answers).startsWith("HTTP/1.1 200").contains("Content-Length: 10\r\n");
    assertThat(answers).contains("Allow: POST").endsWith("\r\n\r\n{\"id\":\"b\"}");
    assertThat(answers.indexOf("{\"id\":\"a\"}")).as("no body for HEAD").isEqualTo(-1);
    assertThat(methods).containsExactly("HEAD a", "GET b");
  }

  @Test
  void aRouterThatAllowsCrossOriginAnswersABrowsersPreflightAndLetsItsScriptReadTheAnswer()
      throws Exception {
    start(
        new Router()
            .allowCrossOrigin()
            .add(
                "GET",
                "/v1/{roomId}/connections",
                request ->
                    request.header("Authorization").isPresent()
                        ? Response.ok(200)
                        : Response.error(401, "no token")),
        2);
    String origin = "Origin: https://widget.example\r\n";

    String preflight =
        exchange(
            "OPTIONS /v1/%21r%3Ax/connections HTTP/1.1\r\nHost: x\r\n"
                + origin
                + "Access-Control-Request-Method: GET\r\n"
                + "Access-Control-Request-Headers: authorization, content-type\r\n"
                + "Connection: close\r\n\r\n");
    String call =
        exchange(
            "GET /v1/%21r%3Ax/connections HTTP/1.1\r\nHost: x\r\n"
                + origin
                + "Authorization: Bearer t\r\nConnection: close\r\n\r\n");
    String refused =
        exchange(
            "GET /v1/%21r%3Ax/connections HTTP/1.1\r\nHost: x\r\n"
                + origin
                + "Connection: close\r\n\r\n");
    String sameOrigin =
        exchange(
            "GET /v1/%21r%3Ax/connections HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer t\r\nConnection: close\r\n\r\n");

    assertThat(preflight)
        .startsWith("HTTP/1.1 204")
        .contains("Access-Control-Allow-Origin: *\r\n")
        .contains("Access-Control-Allow-Headers: authorization, content-type\r\n")
        .containsPattern("Access-Control-Allow-Methods: [^\r]*GET");
    assertThat(call)
        .startsWith("HTTP/1.1 200")
        .contains("Access-Control-Allow-Origin: *\r\n")
        .containsPattern("Access-Control-Expose-Headers: [^\r]*X-Request-Id");
    assertThat(refused).startsWith("HTTP/1.1 401").contains("Access-Control-Allow-Origin: *\r\n");
    assertThat(sameOrigin).startsWith("HTTP/1.1 200").doesNotContain("Access-Control-");
  }

  @Test
  void aCrossOriginRoutersEarlyErrorsCarryTheHeadersABrowserNeedsToReadThem() throws Exception {
    start(new Router().allowCrossOrigin().add("POST", "/v1/x", request -> Response.ok(200)), 2);
    String origin = "Origin: https://widget.example\r\n";
    StringBuilder many =
        new StringBuilder("POST /v1/x HTTP/1.1\r\nHost: x\r\n" + origin + "Connection: close\r\n");
    for (int i = 0; i < 150; i++) many.append("X-").append(i).append(": 1\r\n");

    String tooMany = exchange(many.append("\r\n").toString());
    String coded =
        exchange(
            "POST /v1/x HTTP/1.1\r\nHost: x\r\n"
                + origin
                + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
    String badEscape =
        exchange("POST /v1/%zz HTTP/1.1\r\nHost: x\r\n" + origin + "Connection: close\r\n\r\n");

    assertThat(tooMany)
        .startsWith("HTTP/1.1 431")
        .contains("Access-Control-Allow-Origin: *\r\n")
        .containsPattern("Access-Control-Expose-Headers: [^\r]*X-Request-Id");
    assertThat(coded)
        .startsWith("HTTP/1.1 501")
        .contains("Access-Control-Allow-Origin: *\r\n")
        .containsPattern("Access-Control-Expose-Headers: [^\r]*X-Request-Id");
    assertThat(badEscape)
        .startsWith("HTTP/1.1 400")
        .contains("Access-Control-Allow-Origin: *\r\n")
        .containsPattern("Access-Control-Expose-Headers: [^\r]*X-Request-Id");
  }

  @Test
  void aRouterThatDoesNotAllowCrossOriginAnswersNoPreflight() throws Exception {
    start(new Router().add("POST", "/webhook/{id}", request -> Response.ok(200)), 2);

    String preflight =
        exchange(
            "OPTIONS /webhook/a HTTP/1.1\r\nHost: x\r\nOrigin: https://w.example\r\n"
                + "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n");

    assertThat(preflight).startsWith("HTTP/1.1 405").doesNotContain("Access-Control-");
  }

  @Test
  void anEmptyPathSegmentIsNotRoutedAsIfItWereNotThere() throws Exception {
    start(new Router().add("GET", "/webhook/{id}", request -> Response.ok(200)), 2);

    assertThat(get("/webhook/abc").statusCode()).isEqualTo(200);
    assertThat(get("/webhook//abc").statusCode()).isIn(400, 404);
  }

  @Test
  void aMalformedEscapeIsA400InTheListenersShape() throws Exception {
    start(
        new Router()
            .add(
                "GET",
                "/things/{id}",
                request -> Response.ok(request.query().containsKey("x") ? 200 : 204))
            .addAsync(
                "GET",
                "/later",
                1024,
                request ->
                    CompletableFuture.supplyAsync(() -> "")
                        .thenApply(done -> Response.ok(request.query().isEmpty() ? 204 : 200))),
        2);

    Socket inPath =
        rawConnection("GET /things/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    Socket inQuery =
        rawConnection("GET /things/a?x=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    Socket readLater =
        rawConnection("GET /later?x=95% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    Socket cutShort =
        rawConnection("GET /things/a%2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    // Jetty refuses the path itself, the query is the handler's: either way the answer says why.
    for (Socket socket : List.of(inPath, inQuery, readLater, cutShort)) {
      String answer = readAll(socket);
      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(jsonBody(answer).path("ok").asBoolean(true)).isFalse();
      assertThat(jsonBody(answer).path("error").asText()).contains("malformed %-escape");
    }
  }

  /**
   * A request target Jetty cannot parse is answered with the rule it broke, not with the status's
   * name ("Bad request: Bad Request" told a client nothing), and a request in an HTTP version the
   * listener does not speak is not called a server error.
   */
  @Test
  void aTargetJettyRefusesIsAnsweredWithTheRuleItBroke() throws Exception {
    start(new Router().add("GET", "/things/{id}", request -> Response.ok(200)), 2);

    assertThat(errorOf("GET /things/a%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith(
            "Bad request: the path holds a character a URL may not carry, such as %00 or a"
                + " control character");
    assertThat(errorOf("GET things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("Bad request: the request target must be a path starting with /");
    assertThat(errorOf("GET /things/a HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP version not supported")
        .contains("use HTTP/1.1");
  }

  private String errorOf(String request) throws Exception {
    String answer = exchange(request);
    assertThat(answer).startsWith("HTTP/1.1 ");
    return jsonBody(answer).path("error").asText();
  }

  /**
   * A route that reads the query as sent (a webhook's GET, decoded leniently as hookshot's Express
   * does) gets {@code ?text=95%} and no 400; every other route's malformed query is a 400 before it
   * runs, even one that reads it only after an await.
   */
  @Test
  void aRouteReadingTheRawQueryGetsItEvenWithAMalformedEscape() throws Exception {
    start(
        new Router()
            .add(
                "GET",
                "/raw",
                request -> Response.json(200, Json.object().put("raw", request.rawQuery())))
            .readsRawQuery("/raw"),
        2);

    String answer =
        exchange("GET /raw?text=CPU+at+95% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(jsonBody(answer).path("raw").asText()).isEqualTo("text=CPU+at+95%");
  }

  @Test
  void jettysOwnProtocolErrorsAreInTheAccessLogWithTheRequestIdTheClientGotButNotTheirPath()
      throws Exception {
    Logger access = (Logger) LoggerFactory.getLogger("access.test");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    access.addAppender(logged);
    try {
      start(new Router().add("POST", "/webhook/{id}", request -> Response.ok(200)), 2);
      String secret = "Zm9vYmFyYmF6cXV4c2VjcmV0aWQxMjM0NTY3ODkw";

      List<String> answers = new ArrayList<>();
      answers.add(
          exchange(
              "POST /webhook/" + secret + "%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      answers.add(exchange("NOT A REQUEST LINE " + secret + "\r\n\r\n"));
      answers.add(
          exchange(
              "POST /webhook/"
                  + secret
                  + " HTTP/1.1\r\nHost: x\r\nX-Big: "
                  + "a".repeat(40_000)
                  + "\r\n\r\n"));

      for (String answer : answers) {
        assertThat(answer).startsWith("HTTP/1.1 4");
        String id = answer.replaceAll("(?s).*\r\nX-Request-Id: ([^\r]*)\r\n.*", "$1");
        String status = answer.substring(9, 12);
        Await.until(
            WAIT,
            () ->
                logged.list.stream()
                    .anyMatch(
                        e ->
                            e.getLevel() == Level.INFO
                                && e.getFormattedMessage().contains(" " + status + " ")
                                && e.getFormattedMessage().endsWith("req=" + id)));
      }
      assertThat(logged.list).hasSize(3);
      assertThat(logged.list)
          .allSatisfy(
              e -> assertThat(e.getFormattedMessage()).startsWith("test ").doesNotContain(secret));
    } finally {
      access.detachAppender(logged);
    }
  }

  @Test
  void jettysOwnProtocolErrorsAreCountedInTheRequestMetrics() throws Exception {
    start(new Router().add("GET", "/x", request -> Response.ok(200)), 2);

    String badEscape = exchange("GET /x%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    String badLine = exchange("NOT A REQUEST LINE\r\n\r\n");

    assertThat(badEscape).startsWith("HTTP/1.1 400");
    assertThat(badLine).startsWith("HTTP/1.1 400");
    Await.until(WAIT, () -> answeredOn.size() == 2);
  }

  @Test
  void headersTooLargeOrTooManyGet431AsJson() throws Exception {
    start(new Router().add("GET", "/x", request -> Response.ok(200)), 2);
    StringBuilder many = new StringBuilder("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (int i = 0; i < 150; i++) many.append("X-").append(i).append(": 1\r\n");
    String huge =
        "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
            + "a".repeat(40_000)
            + "\r\n\r\n";

    String tooMany = exchange(many.append("\r\n").toString());
    String tooLarge = exchange(huge);

    assertThat(tooMany).startsWith("HTTP/1.1 431");
    assertThat(jsonBody(tooMany).path("error").asText()).contains("Too many headers");
    assertThat(tooLarge).startsWith("HTTP/1.1 431");
    assertThat(jsonBody(tooLarge).path("ok").asBoolean(true)).isFalse();
  }

  @Test
  void slowSendersOfHeadersStarveNobodyAndAreCutOff() throws Exception {
    start(
        new Router().add("GET", "/x", request -> Response.ok(200)),
        1,
        new InFlight(1 << 20),
        SHORT);
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 16; i++) slow.add(rawConnection("GET /x HTTP/1.1\r\nHo"));

    for (int i = 0; i < 10; i++) assertThat(get("/x").statusCode()).isEqualTo(200);

    for (Socket s : slow) {
      // Cut off within a few sweeps of the one-second head limit: the read ends instead of hanging.
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void aStalledBodyGets408AndHoldsNoThread() throws Exception {
    start(echo().add("GET", "/x", request -> Response.ok(200)), 1, new InFlight(1 << 20), SHORT);
    Socket stalled =
        rawConnection("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");

    assertThat(get("/x").statusCode()).isEqualTo(200);

    String answer = readAll(stalled);
    assertThat(answer).startsWith("HTTP/1.1 408");
    assertThat(jsonBody(answer).path("error").asText()).contains("did not arrive");
  }

  /**
   * A client that closes its socket half-way through the body, or breaks its chunks, is one request
   * answered by Jetty's error page (400): counted once, not once as that page and again as a
   * request abandoned (499), and the page carries the request's id.
   */
  @Test
  void aBodyCutOffByTheClientIsCountedOnce() throws Exception {
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    List<Integer> handled = new CopyOnWriteArrayList<>();
    InFlight budget = new InFlight(1 << 20);
    listener =
        HttpListener.start(
            new HttpListener.Settings(
                "test",
                new InetSocketAddress("127.0.0.1", 0),
                2,
                (status, message, id) -> Response.error(status, message + " [" + id + "]"),
                path -> path),
            new Router()
                .add("POST", "/echo", recording200(handled))
                .add("GET", "/x", request -> Response.ok(200)),
            new HttpListener.Shared(
                TestListeners.readyWith(Optional::empty),
                (name, status, nanos) -> statuses.add(status),
                budget,
                HttpListener.Limits.DEFAULT));

    Socket cut =
        rawConnection(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n" + "a".repeat(5000));
    Await.until(WAIT, () -> budget.used() > 0);
    cut.close();
    Await.until(WAIT, () -> !statuses.isEmpty());
    // A later request is counted after whatever the cut one was counted as.
    assertThat(get("/x").statusCode()).isEqualTo(200);
    Await.until(WAIT, () -> statuses.contains(200));
    String broken =
        exchange(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\nzz\r\n");
    Await.until(WAIT, () -> statuses.size() == 3);

    assertThat(handled).isEmpty();
    assertThat(statuses).containsExactly(400, 200, 400);
    assertThat(broken).startsWith("HTTP/1.1 400");
    assertThat(jsonBody(broken).path("error").asText()).endsWith("[" + requestId(broken) + "]");
    assertThat(budget.used()).as("the cut bodies' bytes were given back").isZero();
  }

  @Test
  void bodiesAreReadWholeAndChunkedBodiesToo() throws Exception {
    start(echo(), 2);

    assertThat(post("/echo", "x".repeat(10_000)).body()).isEqualTo("{\"bytes\":10000}");
    assertThat(
            exchange(
                "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"))
        .startsWith("HTTP/1.1 200")
        .endsWith("{\"bytes\":11}");
  }

  @Test
  void aTransferCodingOtherThanChunkedIs501AndNoHandlerReadsTheCodedBytes() throws Exception {
    List<Integer> handled = new CopyOnWriteArrayList<>();
    start(new Router().add("POST", "/echo", recording200(handled)), 2);
    String chunks = "2\r\nhi\r\n0\r\n\r\n";

    String oneLine =
        exchange(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + chunks);
    String twoLines =
        exchange(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + chunks);

    assertThat(oneLine).startsWith("HTTP/1.1 501").containsIgnoringCase("Connection: close");
    assertThat(jsonBody(oneLine).path("error").asText()).contains("Transfer-Encoding gzip");
    assertThat(twoLines).startsWith("HTTP/1.1 501");
    assertThat(jsonBody(twoLines).path("error").asText()).contains("Transfer-Encoding identity");
    assertThat(handled).isEmpty();
  }

  @Test
  void aBodyOverTheRouteLimitIsRefusedByTheHandlerWithoutBeingRead() throws Exception {
    start(
        new Router()
            .addAsync(
                "POST",
                "/small",
                1024,
                request -> {
                  try {
                    request.body();
                    return CompletableFuture.completedFuture(Response.ok(200));
                  } catch (Request.BodyTooLarge e) {
                    return CompletableFuture.completedFuture(Response.error(413, e.getMessage()));
                  }
                }),
        2);

    String declared = exchange("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    String chunked =
        exchange(
            "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "800\r\n"
                + "a".repeat(0x800)
                + "\r\n");

    assertThat(declared).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
    assertThat(chunked).startsWith("HTTP/1.1 413");
  }

  /**
   * A route's gate refuses on the headers alone: the answer comes before the body (which is never
   * read, so the connection closes), nothing of the budget is spent, and the handler never runs; a
   * request it lets in is read and handled as any other.
   */
  @Test
  void aRoutesGateRefusesBeforeTheBodyIsReadAndLetsTheOthersIn() throws Exception {
    InFlight budget = new InFlight(1 << 20);
    List<Integer> handled = new CopyOnWriteArrayList<>();
    start(
        new Router()
            .addAsync(
                "POST",
                "/gated",
                1 << 20,
                head ->
                    head.header("X-Token").filter(t -> t.equals("yes")).isPresent()
                        ? Optional.empty()
                        : Optional.of(Response.error(401, "no token")),
                recording202(handled)),
        budget);

    String refused = exchange("POST /gated HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n");

    assertThat(refused).startsWith("HTTP/1.1 401").containsIgnoringCase("Connection: close");
    assertThat(jsonBody(refused).path("error").asText()).isEqualTo("no token");
    assertThat(budget.used()).isZero();
    assertThat(handled).isEmpty();
    HttpResponse<String> in =
        client.send(
            request("/gated")
                .header("X-Token", "yes")
                .POST(HttpRequest.BodyPublishers.ofString("abc"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(in.statusCode()).isEqualTo(202);
    assertThat(handled).containsExactly(3);
  }

  /** A gate that asks for the body is a bug of the route: a 500, not a hang or an empty body. */
  @Test
  void aGateThatAsksForTheBodyIsA500() throws Exception {
    start(
        new Router()
            .addAsync(
                "POST",
                "/gated",
                1024,
                head -> Optional.of(Response.ok(head.body().length == 0 ? 200 : 201)),
                request -> CompletableFuture.completedFuture(Response.ok(202))),
        1);

    assertThat(post("/gated", "abc").statusCode()).isEqualTo(500);
  }

  @Test
  void overTheBudgetOfBytesInFlightIsA503WithRetryAfterAndNothingIsRead() throws Exception {
    List<Integer> handled = new CopyOnWriteArrayList<>();
    InFlight budget = new InFlight(10_000);
    start(new Router().addAsync("POST", "/in", 1 << 20, recording202(handled)), budget);
    Socket holding =
        rawConnection("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 8000\r\n\r\nabc");
    Await.until(WAIT, () -> budget.used() == 8000);

    String refused = exchange("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 8000\r\n\r\n");

    assertThat(refused).startsWith("HTTP/1.1 503").contains("Retry-After: 1");
    assertThat(jsonBody(refused).path("error").asText()).contains("nothing was accepted");
    OutputStream rest = holding.getOutputStream();
    rest.write("x".repeat(7997).getBytes(StandardCharsets.ISO_8859_1));
    rest.flush();
    assertThat(readLine(holding)).startsWith("HTTP/1.1 202");
    assertThat(handled).containsExactly(8000);
    assertThat(budget.used()).as("given back before the answer went out").isZero();
    assertThat(post("/in", "y".repeat(9000)).statusCode())
        .as("the budget was given back")
        .isEqualTo(202);
  }

  /**
   * A client that posts again as soon as it is answered finds the body's budget given back: the
   * listener gives it back when the handler returns, before the answer goes out. Given back just
   * after the answer, a client sending bodies one after another near the budget got a 503 now and
   * then (as a CI run did).
   */
  @Test
  void aClientPostingAgainOnceAnsweredFindsTheBudgetGivenBack() throws Exception {
    InFlight budget = new InFlight(10_000);
    start(
        new Router()
            .addAsync(
                "POST",
                "/in",
                1 << 20,
                request -> CompletableFuture.completedFuture(Response.ok(202))),
        budget);

    for (int i = 0; i < 300; i++) {
      assertThat(post("/in", "y".repeat(9000)).statusCode()).as("post %d", i).isEqualTo(202);
      assertThat(budget.used()).as("after post %d", i).isZero();
    }
  }

  /**
   * A body's share of the budget follows what has arrived, not what its Content-Length claims: a
   * client declaring a large body and sending it slowly (or not at all) held that much of the
   * budget for the whole body timeout, and two such made every listener answer 503 to every body.
   */
  @Test
  void aLargeDeclaredBodyHoldsOfTheBudgetOnlyWhatHasArrived() throws Exception {
    List<Integer> handled = new CopyOnWriteArrayList<>();
    InFlight budget = new InFlight(1 << 20);
    start(new Router().addAsync("POST", "/in", 1 << 20, recording202(handled)), budget);
    Socket slow =
        rawConnection("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
    Await.until(WAIT, () -> budget.used() > 0);

    assertThat(budget.used()).isLessThanOrEqualTo(BodyReader.FIRST_BYTES);
    assertThat(post("/in", "y".repeat(600_000)).statusCode())
        .as("a body that fits beside what the slow one sent")
        .isEqualTo(202);
    Await.until(WAIT, () -> budget.used() <= BodyReader.FIRST_BYTES); // the 600,000 given back
    OutputStream rest = slow.getOutputStream();
    rest.write("x".repeat(999_997).getBytes(StandardCharsets.ISO_8859_1));
    rest.flush();
    assertThat(readLine(slow)).startsWith("HTTP/1.1 202");
    assertThat(handled).containsExactly(600_000, 1_000_000);
    Await.until(WAIT, () -> budget.used() == 0);
  }

  /**
   * A connection answered later (by the thread that writes a burst of answers) sends its next
   * request at once: {@code GET /later} then {@code GET <next>}, pipelined on one socket. Returns
   * whether the thread that ran the next request's handler was answering a burst.
   */
  private boolean nextHandlerRanWhileAnswering(Router router, String next) throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    AtomicReference<Thread> reader = new AtomicReference<>();
    start(
        router.addAsync(
            "GET",
            "/later",
            0,
            request -> {
              reader.set(Thread.currentThread());
              return answer;
            }),
        2);
    Socket socket =
        rawConnection(
            "GET /later HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET "
                + next
                + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    // Answered while the thread that read it is still at work, the next request would be read by
    // that thread, as Jetty does for any answer given at once: wait until it is back in the pool.
    Await.until(
        WAIT,
        () ->
            reader.get() != null
                && (reader.get().getState() == Thread.State.TIMED_WAITING
                    || reader.get().getState() == Thread.State.WAITING));

    answer.complete(Response.ok(202));

    String both = readAll(socket);
    assertThat(both).startsWith("HTTP/1.1 202").contains("HTTP/1.1 200");
    return answeringWhenRun.get();
  }

  private final AtomicReference<Boolean> answeringWhenRun = new AtomicReference<>();

  private CompletableFuture<Response> noting() {
    answeringWhenRun.set(Answers.answering());
    return CompletableFuture.completedFuture(Response.ok(200));
  }

  @Test
  void theNextRequestOfAConnectionAnsweredLaterIsReadByTheThreadThatAnsweredIt() throws Exception {
    Router router = new Router().addNonBlocking("GET", "/quick", 0, request -> noting());

    assertThat(nextHandlerRanWhileAnswering(router, "/quick"))
        .as("no other thread was woken to read and run it")
        .isTrue();
  }

  @Test
  void aHandlerThatMayWaitIsNeverRunByTheThreadAnsweringABurst() throws Exception {
    // Run there, a handler waiting on another server would hold up every connection answered in
    // the same burst (their next requests are read after it).
    Router router =
        new Router()
            .add(
                "GET",
                "/waits",
                request -> {
                  answeringWhenRun.set(Answers.answering());
                  return Response.ok(200);
                });

    assertThat(nextHandlerRanWhileAnswering(router, "/waits")).isFalse();
  }

  @Test
  void liveAndReadyTurn503WhenANeededThreadHasDied() throws Exception {
    start(new Router(), 1);
    assertThat(get("/live").statusCode()).isEqualTo(200);

    failure.set(Optional.of("the matrix-sync thread has died"));

    HttpResponse<String> live = get("/live");
    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(live.body()).contains("matrix-sync");
    assertThat(get("/ready").statusCode()).isEqualTo(503);
  }

  @Test
  void readyNamesWhatStartUpWaitsFor() throws Exception {
    Health waiting =
        new Health() {
          @Override
          public boolean ready() {
            return false;
          }

          @Override
          public String notReadyBecause() {
            return "waiting for the homeserver: unreachable (ConnectException) (the log says more)";
          }

          @Override
          public Optional<String> failure() {
            return Optional.empty();
          }
        };
    listener =
        HttpListener.start(
            TestListeners.settings("test", 1),
            new Router(),
            new HttpListener.Shared(
                waiting,
                RequestObserver.NONE,
                new InFlight(1024 * 1024),
                HttpListener.Limits.DEFAULT));

    HttpResponse<String> ready = get("/ready");

    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body())
        .contains(
            "Not ready: waiting for the homeserver: unreachable (ConnectException) (the log says more)")
        .doesNotContain("still loading rooms");
  }

  @Test
  void headOnLiveAndReadyAnswersAsGetWithoutABody() throws Exception {
    start(new Router(), 1);

    for (String path : List.of("/live", "/ready")) {
      HttpResponse<String> get = get(path);
      HttpResponse<String> head = head(path);
      assertThat(head.statusCode()).as(path).isEqualTo(200);
      assertThat(head.body()).as(path).isEmpty();
      assertThat(head.headers().firstValue("Content-Type"))
          .as(path)
          .isEqualTo(get.headers().firstValue("Content-Type"));
    }

    failure.set(Optional.of("the matrix-sync thread has died"));
    assertThat(head("/live").statusCode()).isEqualTo(503);
    assertThat(head("/ready").statusCode()).isEqualTo(503);
  }

  @Test
  void healthProbesAreNotCountedAsRequests() throws Exception {
    start(new Router(), 1);

    get("/live");
    get("/ready");
    head("/ready");
    get("/nothing");

    Await.until(WAIT, () -> !answeredOn.isEmpty());
    assertThat(answeredOn).hasSize(1);
  }

  private HttpResponse<String> head(String path) throws Exception {
    return client.send(
        request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String readLine(Socket socket) throws IOException {
    StringBuilder line = new StringBuilder();
    InputStream in = socket.getInputStream();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) line.append((char) c);
    return line.toString();
  }
}
