namespace Returns.Grader.Web.Features.Items;

public static class ItemsRegistration
{
    public static WebApplicationBuilder AddGraderItems(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReturnItems>();
        return builder;
    }
}
