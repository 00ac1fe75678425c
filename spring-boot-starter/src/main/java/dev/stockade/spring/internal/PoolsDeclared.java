package dev.stockade.spring.internal;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when at least one pool is declared under {@code stockade.pools}. */
public final class PoolsDeclared implements Condition {
  /** The condition. */
  public PoolsDeclared() {}

  @Override
  public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
    return !PoolDeclarations.read(context.getEnvironment()).isEmpty();
  }
}
