package grapple.bot.config;

/** A service's own config section, read by the service into its own record. */
public interface ServiceSettings {
  /** Whether the service runs; a disabled service serves nothing (its API routes say so). */
  boolean enabled();
}
