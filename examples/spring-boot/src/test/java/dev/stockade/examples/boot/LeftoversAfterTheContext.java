package dev.stockade.examples.boot;

import dev.stockade.junit.NoLeftoverProcesses;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@link NoLeftoverProcesses#perClass()}, declared with {@code @ExtendWith} before
 * {@code @SpringBootTest} so that its check runs after Spring's extension closed the test's context
 * (a class's extensions end in the reverse of their declaration order): what the application's
 * close left alive is charged to the class.
 */
public final class LeftoversAfterTheContext implements BeforeAllCallback, AfterAllCallback {
  private final NoLeftoverProcesses check = NoLeftoverProcesses.perClass();

  /** The check; JUnit creates it. */
  public LeftoversAfterTheContext() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    check.beforeAll(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    check.afterAll(context);
  }
}
