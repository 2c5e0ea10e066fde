/// The shared look of all figures (close to matplotlib's defaults).
public enum Style {
    /// Axis spines and tick marks.
    public static let axisColor = RGB(0.15, 0.15, 0.15)
    /// Labels and titles.
    public static let textColor = RGB(0.1, 0.1, 0.1)
    /// Tick label font size (CSS px).
    public static let tickFontSize = 10.0
    /// Axis label font size (CSS px).
    public static let labelFontSize = 11.0
    /// Title font size (CSS px).
    public static let titleFontSize = 12.0
    /// Grid line colour.
    public static let gridColor = RGB(0.88, 0.88, 0.88)
    /// The tab10 colour cycle for line series.
    public static let seriesColors: [RGB] = [
        RGB(hex: 0x1F77B4), RGB(hex: 0xFF7F0E), RGB(hex: 0x2CA02C), RGB(hex: 0xD62728), RGB(hex: 0x9467BD),
        RGB(hex: 0x8C564B), RGB(hex: 0xE377C2), RGB(hex: 0x7F7F7F), RGB(hex: 0xBCBD22), RGB(hex: 0x17BECF),
    ]
}
