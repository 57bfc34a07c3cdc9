using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Returns.Grader.Web.Components.Layout;

namespace Returns.Grader.UnitTests.Components;

/// <summary>
/// What a page did not expect is the page's failure, not the circuit's: the layout shows it in plain words, keeps its bar,
/// and the next page (or "Try again") starts clean.
/// </summary>
public sealed class PageFailureTests : BunitTestBase
{
    private readonly ErrorLog _log;

    public PageFailureTests()
        : this(new ErrorLog())
    {
    }

    private PageFailureTests(ErrorLog log)
        : base(services: services => services.AddSingleton<ILoggerFactory>(new LoggerFactory([log])))
    {
        _log = log;
    }

    [Fact]
    public void APageThatThrows_IsReplacedByPlainWords_TheBarStays_AndTheNextPageRenders()
    {
        var layout = Render<MainLayout>(p => p.Add(c => c.Body, Page<FailingPage>()));

        Assert.Contains("Something went wrong on this page", layout.Find("[data-testid=page-failure]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["the database is gone (test)"], _log.Errors); // logged as an Error, for the alert operations.md names
        Assert.Contains("Test Grader", layout.Find("[data-testid=signed-in-as]").TextContent, StringComparison.Ordinal);

        layout.Render(p => p.Add(c => c.Body, Page<WorkingPage>()));

        Assert.Empty(layout.FindAll("[data-testid=page-failure]"));
        Assert.Equal("working", layout.Find("[data-testid=working-page]").TextContent);
    }

    [Fact]
    public void AnActionThatThrows_KeepsTheCircuit_AndTryAgainRendersThePageAfresh()
    {
        var layout = Render<MainLayout>(p => p.Add(c => c.Body, Page<PageWithAFailingButton>()));

        layout.Find("[data-testid=failing-button]").Click();

        Assert.NotNull(layout.Find("[data-testid=page-failure]"));
        layout.Find("[data-testid=page-failure-retry]").Click();
        Assert.Empty(layout.FindAll("[data-testid=page-failure]"));
        Assert.NotNull(layout.Find("[data-testid=failing-button]"));
    }

    /// <summary>The messages of the exceptions logged at Error or above.</summary>
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public List<string> Errors { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && exception is not null)
            {
                Errors.Add(exception.Message);
            }
        }

        public void Dispose()
        {
        }
    }

    private static RenderFragment Page<TPage>() where TPage : IComponent => builder =>
    {
        builder.OpenComponent<TPage>(0);
        builder.CloseComponent();
    };

    private sealed class FailingPage : ComponentBase
    {
        protected override void OnInitialized() => throw new InvalidOperationException("the database is gone (test)");
    }

    private sealed class WorkingPage : ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "p");
            builder.AddAttribute(1, "data-testid", "working-page");
            builder.AddContent(2, "working");
            builder.CloseElement();
        }
    }

    private sealed class PageWithAFailingButton : ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "data-testid", "failing-button");
            builder.AddAttribute(2, "onclick", EventCallback.Factory.Create(this, () => throw new InvalidOperationException("storage gone (test)")));
            builder.CloseElement();
        }
    }
}
