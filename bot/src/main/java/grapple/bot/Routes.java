package grapple.bot;

import grapple.bot.http.Router;
import grapple.bot.provisioning.ApiHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a started service adds HTTP routes: receivers and callbacks on the webhook listener, and
 * its own routes under {@code /v1/<service>} on the provisioning listener (authenticated, with the
 * API's errors, and answered "disabled" while the service is off).
 */
public final class Routes {
  private final Router webhooks;
  private final String service;
  private final List<ApiRoute> api = new ArrayList<>();

  /** One of a service's API routes: method, path after {@code /v1/<service>}, handler. */
  public record ApiRoute(String service, String method, String path, ApiHandler handler) {}

  Routes(Router webhooks, String service) {
    this.webhooks = webhooks;
    this.service = service;
  }

  /** The webhook listener's routes (receivers, OAuth callbacks). */
  public Router webhooks() {
    return webhooks;
  }

  /** Adds {@code method /v1/<service><path>} to the provisioning API. */
  public Routes api(String method, String path, ApiHandler handler) {
    api.add(new ApiRoute(service, method, path, handler));
    return this;
  }

  List<ApiRoute> apiRoutes() {
    return List.copyOf(api);
  }
}
