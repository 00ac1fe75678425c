/**
 * The launch-shape application as a named module: its handler's package is exported to Stockade,
 * which creates the handler in its workers by reflection.
 */
module dev.stockade.shapes {
  requires dev.stockade;
  requires com.sun.jna;

  exports dev.stockade.shapes.app to
      dev.stockade;
}
