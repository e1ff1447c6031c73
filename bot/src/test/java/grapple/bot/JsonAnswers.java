package grapple.bot;

import mockwebserver3.MockResponse;

/** What a fake server (a MockWebServer) standing in for a forge or a homeserver answers: JSON. */
public final class JsonAnswers {
  private JsonAnswers() {}

  /** A JSON {@code body} with the status {@code code}. */
  public static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }
}
