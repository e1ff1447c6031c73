package grapple.bot;

import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import java.util.function.BiFunction;

/**
 * The frame of a service whose settings are its own record: it is built with its {@link
 * ServiceInfo}, how its section is read (e.g. {@code FeedSettings::read}) and the settings type,
 * and implements {@link #run} with that type. Anything may still implement {@link Service}
 * directly.
 *
 * @param <S> the service's settings, as its reader returns them
 */
public abstract class AbstractService<S extends ServiceSettings> implements Service {
  private final ServiceInfo info;
  private final BiFunction<Section, Config, S> reader;
  private final Class<S> settingsType;

  protected AbstractService(
      ServiceInfo info, BiFunction<Section, Config, S> reader, Class<S> settingsType) {
    this.info = info;
    this.reader = reader;
    this.settingsType = settingsType;
  }

  @Override
  public final ServiceInfo info() {
    return info;
  }

  @Override
  public final ServiceSettings settings(Section section, Config config) {
    return reader.apply(section, config);
  }

  /**
   * Starts the service with the settings {@link #settings} read.
   *
   * @throws IllegalArgumentException if they are of another type (another service's)
   */
  @Override
  public final Running start(ServiceSettings settings, ServiceContext context) {
    if (!settingsType.isInstance(settings)) {
      throw new IllegalArgumentException(
          "service "
              + info.name()
              + " takes "
              + settingsType.getName()
              + ", not "
              + settings.getClass().getName());
    }
    return run(settingsType.cast(settings), context);
  }

  /** {@link Service#start} with this service's own settings. */
  protected abstract Running run(S settings, ServiceContext context);
}
