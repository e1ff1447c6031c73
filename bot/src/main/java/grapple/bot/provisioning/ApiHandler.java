package grapple.bot.provisioning;

import grapple.bot.http.Request;
import grapple.bot.http.Response;
import java.io.IOException;

/**
 * A service's own route under {@code /v1/<service>}: the API has checked the token already; the
 * handler may throw {@link ApiException} or BadInput, which become the API's error answers.
 */
@FunctionalInterface
public interface ApiHandler {
  Response handle(Request request, Caller caller) throws IOException;
}
