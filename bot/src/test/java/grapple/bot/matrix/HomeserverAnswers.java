package grapple.bot.matrix;

import grapple.bot.JsonAnswers;
import mockwebserver3.MockResponse;

/** What a fake homeserver (a MockWebServer) answers: JSON bodies with their status. */
public final class HomeserverAnswers {
  private HomeserverAnswers() {}

  public static MockResponse json(int code, String body) {
    return JsonAnswers.json(code, body);
  }

  /** The answer to GET /_matrix/client/versions, which the gateway asks before logging in. */
  public static MockResponse versions() {
    return json(200, "{\"versions\":[\"v1.11\"]}");
  }
}
