package dev.stockade.spring.internal;

/**
 * A pool declared under {@code stockade.pools} that cannot be built as declared: its message names
 * the property ({@code stockade.pools.<name>.<key>}), the value and what is allowed.
 */
public final class PoolConfigurationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String property;

  /**
   * An exception about one property.
   *
   * @param property the property, {@code stockade.pools.<name>.<key>}, or {@code
   *     stockade.pools.<name>} when the builder's message names no setting
   * @param message what is wrong, the value and what is allowed
   * @param cause the builder's exception, or null
   */
  public PoolConfigurationException(String property, String message, Throwable cause) {
    super(message, cause);
    this.property = property;
  }

  /**
   * The property to fix.
   *
   * @return {@code stockade.pools.<name>.<key>}, or {@code stockade.pools.<name>}
   */
  public String property() {
    return property;
  }
}
