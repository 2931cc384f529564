using System.ComponentModel.DataAnnotations;

namespace Ferry.Portal.Components.Account;

/// <summary>What the change-password form posts. The portal's password rules (length, character classes) apply on top.</summary>
public sealed class ChangePasswordInput
{
    [Required(ErrorMessage = "Enter your current password.")]
    [DataType(DataType.Password)]
    public string CurrentPassword { get; set; } = "";

    [Required(ErrorMessage = "Enter a new password.")]
    [StringLength(200, MinimumLength = 10, ErrorMessage = "Use 10 to 200 characters.")]
    [DataType(DataType.Password)]
    public string NewPassword { get; set; } = "";

    [Compare(nameof(NewPassword), ErrorMessage = "The two new passwords differ.")]
    [DataType(DataType.Password)]
    public string ConfirmPassword { get; set; } = "";
}
