package grapple.bot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

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

  /**
   * What the listener answers to a POST to {@code pathAndQuery} with {@code headers} that declares
   * a body of {@code declaredBytes} and sends none of it: the whole raw answer up to the closing of
   * the connection, or what came within 5 s (a listener waiting for the body answers nothing).
   */
  String headOnly(String pathAndQuery, long declaredBytes, String... headers) throws IOException {
    StringBuilder head =
        new StringBuilder("POST ")
            .append(pathAndQuery)
            .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
            .append("Content-Length: ")
            .append(declaredBytes)
            .append("\r\n");
    for (String header : headers) head.append(header).append("\r\n");
    head.append("\r\n");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) answer.write(buffer, 0, n);
      } catch (SocketTimeoutException e) {
        // Nothing more came: what came is the answer.
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** A GET of {@code uri}: the listener's ({@link #uri}) or a fake's a browser is sent to. */
  HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri).GET());
  }
}
