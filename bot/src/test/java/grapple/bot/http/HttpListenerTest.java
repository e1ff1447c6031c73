package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpListenerTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private HttpListener listener;

  @AfterEach
  void stop() {
    if (listener != null) listener.close();
  }

  /** The threads that answered, as the observer saw them (it runs where the answer is written). */
  private final java.util.List<String> answeredOn = new java.util.concurrent.CopyOnWriteArrayList<>();

  private void start(Router router, int threads) throws Exception {
    listener = HttpListener.start(new HttpListener.Settings("test", new InetSocketAddress("127.0.0.1", 0), threads,
        (status, message, id) -> Response.error(status, message + " [" + id + "]"), path -> path), router, () -> true,
        (name, status, nanos) -> answeredOn.add(Thread.currentThread().getName()));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> getLater(String path) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAnswerCompletedLaterByAnotherThreadIsSent() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    start(new Router().addAsync("GET", "/later", request -> answer), 2);

    CompletableFuture<HttpResponse<String>> response = getLater("/later");
    Thread.sleep(100);
    assertThat(response).isNotDone();
    new Thread(() -> answer.complete(Response.ok(202))).start();

    HttpResponse<String> done = response.get(10, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(202);
    assertThat(done.body()).isEqualTo("{\"ok\":true}");
    assertThat(done.headers().firstValue("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).hasSize(8));
  }

  @Test
  void anAnswerCompletedByAnotherThreadIsStillWrittenByTheListenersThreads() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    start(new Router().addAsync("GET", "/later", request -> answer), 2);

    CompletableFuture<HttpResponse<String>> response = getLater("/later");
    Thread.sleep(100);
    Thread completer = new Thread(() -> answer.complete(Response.ok(202)), "database-writer-stand-in");
    completer.start();

    assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    assertThat(answeredOn).singleElement().asString().startsWith("test-http-");
  }

  @Test
  void aWaitingAnswerDoesNotHoldTheListenersOnlyThread() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    start(new Router().addAsync("GET", "/later", request -> answer).add("GET", "/now", request -> Response.ok(200)), 1);

    CompletableFuture<HttpResponse<String>> waiting = getLater("/later");
    Thread.sleep(100);

    assertThat(get("/now").statusCode()).isEqualTo(200);
    assertThat(waiting).isNotDone();
    answer.complete(Response.ok(202));
    assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
  }

  @Test
  void anAnswerThatFailsLaterIsA500InTheListenersErrorShape() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    start(new Router().addAsync("GET", "/later", request -> answer), 2);

    CompletableFuture<HttpResponse<String>> response = getLater("/later");
    Thread.sleep(100);
    answer.completeExceptionally(new IllegalStateException("boom"));

    HttpResponse<String> done = response.get(10, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(500);
    String id = done.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(done.body()).contains("Internal error (request " + id + ")").contains("[" + id + "]");
  }

  @Test
  void aHandlerThatThrowsIsA500() throws Exception {
    start(new Router().add("GET", "/crash", request -> {
      throw new IllegalStateException("boom");
    }), 2);

    HttpResponse<String> response = get("/crash");

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).contains("Internal error");
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
  void aClientHasThirtySecondsToSendItsRequest() throws Exception {
    start(new Router(), 1);

    // The JDK server reads this once; with it, a stalled upload is cut off and frees its thread.
    assertThat(System.getProperty(HttpListener.MAX_REQUEST_TIME_PROPERTY)).isEqualTo("30");
  }
}
