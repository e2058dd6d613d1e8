import { useId, useState } from 'react';
import { Phone } from '../../shared/schemas.js';
import { useMe } from './queries.js';

export type CallbackInput = { phone: string; preferredTime: string; message: string };
const emptyCallback: CallbackInput = { phone: '', preferredTime: '', message: '' };

/** The form starts with the phone number on the user's profile, when there is one. */
export function useCallbackInput() {
  const me = useMe();
  return useState<CallbackInput>(() => ({ ...emptyCallback, phone: me.data?.phone ?? '' }));
}

/** The same phone rule as the server, checked before sending so the user sees it next to the field. */
export function phoneProblem(phone: string): string | null {
  const r = Phone.safeParse(phone);
  return r.success ? null : (r.error.issues[0]?.message ?? 'Not a valid phone number');
}

export function callbackBody(v: CallbackInput) {
  return {
    phone: v.phone.trim(),
    ...(v.preferredTime.trim() ? { preferredTime: v.preferredTime.trim() } : {}),
    ...(v.message.trim() ? { message: v.message.trim() } : {}),
  };
}

export function CallbackFields({
  value,
  onChange,
  phoneError,
  withMessage = true,
}: {
  value: CallbackInput;
  onChange: (v: CallbackInput) => void;
  phoneError: string | null;
  withMessage?: boolean;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={`${id}-phone`}>Phone number</label>
      <input
        id={`${id}-phone`}
        type="tel"
        autoComplete="tel"
        required
        value={value.phone}
        aria-invalid={phoneError ? true : undefined}
        aria-describedby={phoneError ? `${id}-phone-error` : undefined}
        onChange={(e) => onChange({ ...value, phone: e.target.value })}
      />
      {phoneError && (
        <div id={`${id}-phone-error`} className="banner banner-error" role="alert">
          {phoneError}
        </div>
      )}
      <label htmlFor={`${id}-time`}>Preferred time (optional)</label>
      <input
        id={`${id}-time`}
        type="text"
        maxLength={200}
        placeholder="for example: tomorrow after 10:00"
        value={value.preferredTime}
        onChange={(e) => onChange({ ...value, preferredTime: e.target.value })}
      />
      {withMessage && (
        <>
          <label htmlFor={`${id}-msg`}>Message for the technician (optional)</label>
          <textarea id={`${id}-msg`} rows={2} maxLength={4000} value={value.message} onChange={(e) => onChange({ ...value, message: e.target.value })} />
        </>
      )}
    </>
  );
}
