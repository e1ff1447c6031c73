package grapple.bot.console;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import grapple.bot.http.UrlSecrets;

/**
 * A logged exception and its stack ({@code %visibleEx} in {@code logback.xml}) with control
 * characters shown as escapes, as {@link VisibleMessage}: an exception's message may quote what a
 * sender wrote.
 */
public final class VisibleThrowable extends ThrowableProxyConverter {
  @Override
  protected String throwableProxyToString(IThrowableProxy proxy) {
    return ConsoleGateway.visible(UrlSecrets.masked(super.throwableProxyToString(proxy)));
  }
}
