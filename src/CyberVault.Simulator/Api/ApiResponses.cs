using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace CyberVault.Simulator;

internal static class ApiResponses
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message, string? field = null) =>
        WriteJsonAsync(context, status, new ErrorResponse(new ErrorBody(code, message, field)), SimulatorJson.Default.ErrorResponse);

    public static Task BadRequestAsync(HttpContext context, string field, string message) =>
        WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", message, field);
}
