package grapple.bot;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Requests to a {@link TestHub}'s webhook listener as a forge or a browser makes them (and, in the
 * OAuth flows, the browser's requests to the fakes it is sent to).
 */
final class HookClient {
  private final HttpClient http = HttpClient.newHttpClient();
  private final int port;

  HookClient(int port) {
    this.port = port;
  }

  /** The listener's URI of {@code pathAndQuery}, e.g. {@code /github/webhook}. */
  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  /** A POST of the JSON {@code body} to {@code pathAndQuery} on the listener: add headers, send. */
  HttpRequest.Builder post(String pathAndQuery, byte[] body) {
    return HttpRequest.newBuilder(uri(pathAndQuery))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET of {@code uri}: the listener's ({@link #uri}) or a fake's a browser is sent to. */
  HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri).GET());
  }
}
